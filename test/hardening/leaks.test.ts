import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { scrubToken, withheldBecause } from '../../src/pvwa/safe-message.js';
import { fixture, startHarness, type Harness } from '../support/harness.js';

const CLOSE = 'mutation($id: ID!) { updateEventStatus(id: $id, status: CLOSED) { id status } }';

/** What an IIS-hosted PVWA really sends when it fails badly: a .NET stack, a path, a DB host. */
const LEAKY_500 =
  'Object reference not set to an instance of an object. Stack: at System.Web.Http.ApiController.ExecuteAsync() in ' +
  'C:\\inetpub\\wwwroot\\PasswordVault\\WebServices\\PIMServices.svc.cs:line 412; DB host sql01.corp.local';
const LEAKY_401 = 'Token rejected by \\\\vault01\\PrivateArk\\Server (10.20.30.40)';
const INTERNALS = ['inetpub', 'System.Web', 'Stack', 'sql01', 'corp.local', 'vault01', 'PrivateArk', '10.20.30.40', 'C:\\'];

describe("the PVWA's error text reaches clients only when it is a plain message", () => {
  let h: Harness;
  let id: string;
  beforeAll(async () => {
    h = await startHarness({ logLevel: 'debug' });
    id = String(h.sim.eventsOf()[0].id);
  });
  afterAll(() => h.close());
  beforeEach(() => h.sim.clearFault());

  const failWith = async (status: number, message: string, token?: string) => {
    h.sim.setFault({ kind: 'status', status, body: JSON.stringify({ ErrorCode: 'PASWS999E', ErrorMessage: message }) }, { times: 1 });
    const { body } = await h.gql(CLOSE, { id }, token === undefined ? {} : { token });
    expect(body.data).toBeNull();
    return body.errors![0];
  };

  it('a leaky 500: the gateway message, with pvwaErrorCode and upstreamStatus; no path, host or stack', async () => {
    const error = await failWith(500, LEAKY_500);
    expect(error).toEqual({
      message: 'The PVWA answered with HTTP 500.',
      locations: [{ line: 1, column: 22 }],
      path: ['updateEventStatus'],
      extensions: { code: 'UPSTREAM_ERROR', upstreamStatus: 500, pvwaErrorCode: 'PASWS999E' },
    });
    for (const internal of INTERNALS) expect(JSON.stringify(error)).not.toContain(internal);
  });

  it('a leaky 401: the gateway message for a refused token; no path, host or address', async () => {
    const error = await failWith(401, LEAKY_401);
    expect(error).toMatchObject({
      message: 'The PVWA did not accept the session token.',
      extensions: { code: 'UNAUTHENTICATED', upstreamStatus: 401, pvwaErrorCode: 'PASWS999E' },
    });
    for (const internal of INTERNALS) expect(JSON.stringify(error)).not.toContain(internal);
  });

  it('the full upstream text goes to the debug log, with the reason it was withheld', async () => {
    h.sim.clearRequests();
    await failWith(500, LEAKY_500, 'a-caller-token-0123456789');
    const line = h.logs.filter((l) => l.msg === 'PVWA error answer').at(-1)!;
    expect(line).toMatchObject({
      level: 'debug', requestId: h.sim.requests[0].headers['x-request-id'], status: 500, pvwaErrorCode: 'PASWS999E', messageWithheld: 'a stack frame',
      upstreamText: JSON.stringify({ ErrorCode: 'PASWS999E', ErrorMessage: LEAKY_500 }),
    });
  });

  it.each([
    ['a stack frame', 'Failure   at Cyberark.PTA.Events.Update(String id)'],
    ['a URL', 'See https://docs.example/err for details'],
    ['a UNC path', 'Cannot read \\\\fs01\\share'],
    ['a file path', 'Cannot open D:\\Logs\\pvwa.log'],
    ['a file path', 'Cannot open /var/log/pvwa/app.log'],
    ['an IP address', 'Vault at 192.168.10.4 did not answer'],
    ['an IP address', 'Vault at fe80::1ff:fe23:4567:890a did not answer'],
    ['a host name', 'Vault vault.corp.example did not answer'],
    ['more than one line', 'The request failed.\r\nDetails follow'],
    ['more than 200 characters', `The request failed ${'because '.repeat(30)}.`],
  ])('withholds a message with %s: %j', async (reason, message) => {
    expect(withheldBecause(message, 'demo-token')).toBe(reason);
    const error = await failWith(403, message);
    expect(error).toMatchObject({ message: 'The PVWA refused this action for this session.', extensions: { code: 'FORBIDDEN', upstreamStatus: 403, pvwaErrorCode: 'PASWS999E' } });
    expect(h.logs.filter((l) => l.msg === 'PVWA error answer').at(-1)!.messageWithheld).toBe(reason);
  });

  it.each([
    ['error-401.real.json', 401],
    ['error-PASWS041E.real.json', 403],
  ])('shows a real PVWA message (%s) as it is', async (name, status) => {
    const real = fixture<{ ErrorCode: string; ErrorMessage: string }>(name);
    h.sim.setFault({ kind: 'status', status, body: JSON.stringify(real) }, { times: 1 });
    const { body } = await h.gql(CLOSE, { id });
    expect(body.errors![0]).toMatchObject({ message: real.ErrorMessage, extensions: { upstreamStatus: status, pvwaErrorCode: real.ErrorCode } });
  });

  it('a message with the caller token is replaced whole; in the log a one-letter token mangles nothing', async () => {
    h.sim.setEvents('e', []);
    const error = await failWith(401, 'The session token e is expired.', 'e');
    expect(error.message).toBe('The PVWA did not accept the session token.');
    const line = h.logs.filter((l) => l.msg === 'PVWA error answer').at(-1)!;
    expect(line.messageWithheld).toBe("the caller's token");
    expect(line.upstreamText).toBe(JSON.stringify({ ErrorCode: 'PASWS999E', ErrorMessage: 'The session token [token] is expired.' }));
  });
});

describe('scrubToken', () => {
  it('replaces a long token wherever it is, and a short one only where it stands alone', () => {
    expect(scrubToken('bad token echoed-token-c0ffee, again:echoed-token-c0ffee.', 'echoed-token-c0ffee')).toBe('bad token [token], again:[token].');
    expect(scrubToken('The session token e is expired', 'e')).toBe('The session token [token] is expired');
    expect(scrubToken('The session token', 'e')).toBe('The session token');
    expect(scrubToken('token a+b? refused', 'a+b?')).toBe('token [token] refused');
    expect(scrubToken('nothing here', '')).toBe('nothing here');
  });
});
