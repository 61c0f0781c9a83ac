import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { startHarness, type Harness } from '../support/harness.js';
import { authCalls, LOGON, RESPOND } from '../support/sessions.js';

type Json = Record<string, any>;

/**
 * Logons cannot be multiplied or repeated fast enough to hammer the Vault's lockout: one logon per
 * operation, failures throttled per user name and per client address, and a challenge answered
 * once and dead after three wrong codes. Each refusal is made without a PVWA call.
 */

const WINDOW = 900_000;
const logonOf = (username: string, password: string) => ({ input: { username, password } });
const codeOf = (answer: { body: Json }) => answer.body.errors?.[0]?.extensions?.code;

describe('logon abuse', () => {
  let h: Harness;
  /** The gateway's clock: moved past the window instead of waited for. */
  let offset = 0;

  beforeAll(async () => {
    h = await startHarness({ env: { LOGON_MAX_FAILURES: '5', LOGON_MAX_FAILURES_PER_ADDRESS: '12', LOGON_FAILURE_WINDOW_MS: String(WINDOW) }, now: () => Date.now() + offset });
    for (const name of ['alice', 'bob', 'carol', 'dave']) h.sim.addUser({ username: name, password: `pw-${name}` });
    h.sim.addUser({ username: 'otp', password: 'pw-otp', codes: ['111111'] });
  });
  afterAll(() => h.close());
  beforeEach(() => {
    // Each test starts past every earlier failure's window.
    offset += WINDOW + 1;
    h.sim.clearRequests();
  });

  it('refuses 15 aliased logons in one operation as a validation error, with no PVWA call', async () => {
    const aliases = Array.from({ length: 15 }, (_, i) => `l${i}: logon(input: { username: "alice", password: "guess${i}" }) { __typename }`).join(' ');
    const answer = await h.gql(`mutation { ${aliases} }`, {}, { token: null });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([{
      message: 'At most one `logon` or `respondToLogonChallenge` per operation (this one has 15): each is a try against the user\'s lockout.',
      locations: [{ line: 1, column: 1 }],
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    }]);
    // Through fragments too.
    const fragments = await h.gql('mutation { ...A ...A } fragment A on Mutation { logon(input: { username: "alice", password: "x" }) { __typename } }', {}, { token: null });
    expect(codeOf(fragments)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(authCalls(h)).toEqual([]);
  });

  it('lets 5 failed logons of a user reach the PVWA, then answers RATE_LIMITED (429, Retry-After) without a call, the right password included', async () => {
    for (let i = 0; i < 5; i++) expect(codeOf(await h.gql(LOGON, logonOf('alice', `wrong-${i}`), { token: null }))).toBe('UNAUTHENTICATED');
    const limited = await h.gql(LOGON, logonOf('alice', 'pw-alice'), { token: null });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe(String(WINDOW / 1000));
    expect(limited.body).toEqual({
      data: null,
      errors: [{
        message: `Too many failed logons for this user or from this address; try again in ${WINDOW / 1000} s.`,
        locations: [{ line: 1, column: 39 }], path: ['logon'], extensions: { code: 'RATE_LIMITED', retryAfterSeconds: WINDOW / 1000 },
      }],
    });
    // The user name is the Vault's, without case.
    expect(codeOf(await h.gql(LOGON, logonOf('ALICE', 'pw-alice'), { token: null }))).toBe('RATE_LIMITED');
    expect(authCalls(h)).toHaveLength(5);
    // Another user is not limited; past the window, alice is not either.
    expect(codeOf(await h.gql(LOGON, logonOf('bob', 'pw-bob'), { token: null }))).toBeUndefined();
    offset += WINDOW;
    expect((await h.gql(LOGON, logonOf('alice', 'pw-alice'), { token: null })).body.data?.logon.__typename).toBe('LogonSuccess');
  });

  it('lets at most 5 of 300 concurrent wrong passwords reach the PVWA', async () => {
    const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => h.gql(LOGON, logonOf('carol', `guess-${i}`), { token: null })));
    const codes = answers.map(codeOf);
    expect(codes.filter((code) => code === 'UNAUTHENTICATED')).toHaveLength(5);
    expect(codes.filter((code) => code === 'RATE_LIMITED')).toHaveLength(295);
    expect(authCalls(h)).toHaveLength(5);
  });

  it('limits one client address whatever the user names (12 here), and a success clears only the user', async () => {
    for (let i = 0; i < 12; i++) expect(codeOf(await h.gql(LOGON, logonOf(`nobody-${i}`, 'x'), { token: null }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await h.gql(LOGON, logonOf('dave', 'pw-dave'), { token: null }))).toBe('RATE_LIMITED');
    expect(authCalls(h)).toHaveLength(12);
  });

  describe('a RADIUS challenge', () => {
    const challenge = async () => (await h.gql(LOGON, { input: { method: 'RADIUS', username: 'otp', password: 'pw-otp' } }, { token: null })).body.data!.logon.challengeId as string;
    const respond = (challengeId: string, response: string) => h.gql(RESPOND, { challengeId, response }, { token: null });
    const invalid = { code: 'BAD_USER_INPUT', argument: 'challengeId' };

    it('answers once: replaying a challengeId that gave a session is refused without a call', async () => {
      const id = await challenge();
      expect((await respond(id, '111111')).body.data?.respondToLogonChallenge.__typename).toBe('LogonSuccess');
      h.sim.clearRequests();
      const replay = await respond(id, '111111');
      expect(replay.body.errors?.[0]).toMatchObject({ message: 'The logon challenge is invalid, has expired or was already answered; log on again.', extensions: invalid });
      expect(authCalls(h)).toEqual([]);
    });

    it('dies after 3 wrong codes: the right code is refused after them, without a call', async () => {
      const id = await challenge();
      h.sim.clearRequests();
      for (const code of ['000001', '000002', '000003']) expect(codeOf(await respond(id, code))).toBe('UNAUTHENTICATED');
      expect(authCalls(h)).toHaveLength(3);
      expect((await respond(id, '111111')).body.errors?.[0].extensions).toEqual(invalid);
      expect(authCalls(h)).toHaveLength(3);
    });

    it('lets at most 3 of 200 concurrent guesses reach the PVWA', async () => {
      const id = await challenge();
      h.sim.clearRequests();
      const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => respond(id, String(100_000 + i))));
      const codes = answers.map(codeOf);
      expect(codes.filter((code) => code === 'UNAUTHENTICATED')).toHaveLength(3);
      expect(codes.filter((code) => code === 'BAD_USER_INPUT')).toHaveLength(197);
      expect(authCalls(h)).toHaveLength(3);
    });
  });
});
