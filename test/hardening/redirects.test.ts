import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { eventCalls, startHarness, type Harness } from '../support/harness.js';

const CLOSE = 'mutation($id: ID!) { updateEventStatus(id: $id, status: CLOSED) { id status } }';
const LIST = '{ securityEvents(first: 1) { totalCount } }';
const MESSAGE = 'The PVWA redirected: check PVWA_URL, or a sign-on page is in front of the API.';

describe('a redirect from the PVWA is an error, never followed, never success', () => {
  let h: Harness;
  let id: string;
  let eventsUrl: string;
  beforeAll(async () => {
    h = await startHarness();
    id = String(h.sim.eventsOf()[0].id);
    eventsUrl = `${h.sim.url}/API/pta/API/Events/`;
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.sim.clearFault();
    h.sim.clearRequests();
  });

  it('a 302 with a JSON list `[]` is UPSTREAM_ERROR with upstreamStatus 302, not an empty page', async () => {
    // The location is the events URL itself: had it been followed, the simulator would have seen a second GET.
    h.sim.setFault({ kind: 'status', status: 302, body: '[]', headers: { location: eventsUrl } }, { times: 1 });
    const { status, body } = await h.gql(LIST);
    expect(status).toBe(200);
    expect(body).toEqual({
      data: null,
      errors: [{ message: MESSAGE, locations: [{ line: 1, column: 3 }], path: ['securityEvents'], extensions: { code: 'UPSTREAM_ERROR', upstreamStatus: 302 } }],
    });
    expect(eventCalls(h.sim, 'GET')).toHaveLength(1);
    expect(h.sim.requests).toHaveLength(1);
  });

  it('a 302 to a sign-on page is reported as a redirect, not as "not JSON"; the log names where to, without the query', async () => {
    h.sim.setFault(
      { kind: 'status', status: 302, body: '<html><body>Object moved to <a href="/sso/login">here</a></body></html>', contentType: 'text/html', headers: { location: 'https://sso.example.com/adfs/ls/?SAMLRequest=abc123' } },
      { times: 1 },
    );
    const { body } = await h.gql(CLOSE, { id });
    expect(body.errors).toEqual([{ message: MESSAGE, locations: [{ line: 1, column: 22 }], path: ['updateEventStatus'], extensions: { code: 'UPSTREAM_ERROR', upstreamStatus: 302 } }]);
    expect(h.sim.requests).toHaveLength(1);
    const warning = h.logs.filter((line) => line.msg === 'the PVWA answered with a redirect: check PVWA_URL, or a sign-on page is in front of the API').at(-1);
    expect(warning).toMatchObject({ level: 'warn', status: 302, location: 'https://sso.example.com/adfs/ls/' });
    expect(h.logText()).not.toContain('SAMLRequest');
  });

  it.each([301, 303, 304, 307, 308])('a %i is UPSTREAM_ERROR for the list and the mutation, without a second request', async (status) => {
    h.sim.setFault({ kind: 'status', status, body: '[]', headers: { location: eventsUrl } });
    const list = await h.gql(LIST);
    expect(list.body.errors![0]).toMatchObject({ message: MESSAGE, extensions: { code: 'UPSTREAM_ERROR', upstreamStatus: status } });
    const close = await h.gql(CLOSE, { id });
    expect(close.body.errors![0]).toMatchObject({ message: MESSAGE, extensions: { code: 'UPSTREAM_ERROR', upstreamStatus: status } });
    expect(h.sim.requests.map((r) => r.method)).toEqual(['GET', 'PATCH']);
  });
});
