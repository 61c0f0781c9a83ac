import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createDemoEvents } from '../src/simulator/data.js';
import { DEMO_TOKEN, startSimulator, type Simulator } from '../src/simulator/server.js';
import { eventProblem } from '../src/pvwa/validate.js';

describe('the embedded PVWA simulator', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.close());

  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${sim.url}${path}`, { ...init, headers: { authorization: DEMO_TOKEN, ...(init.headers as Record<string, string>) } });

  it('serves at least 200 deterministic demo events of several types, in the real shapes', async () => {
    const events = createDemoEvents();
    expect(createDemoEvents()).toEqual(events);
    expect(events.length).toBeGreaterThanOrEqual(200);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    expect(events.every((e) => eventProblem(e) === null && /^[0-9a-f]{24}$/.test(String(e.id)))).toBe(true);
    expect(new Set(events.map((e) => e.type)).size).toBeGreaterThanOrEqual(4);
    expect(new Set(events.map((e) => e.mStatus))).toEqual(new Set(['OPEN', 'CLOSED']));
    const audits = events.flatMap((e) => e.audits as Array<Record<string, any>>);
    expect(new Set(audits.map((a) => a.account?.type).filter(Boolean))).toEqual(new Set(['DOMAIN', 'LOCAL_UNIX']));
    expect(audits.some((a) => a.source.mResolvedAddress) && audits.some((a) => !a.source.mResolvedAddress)).toBe(true);
    expect(events.some((e) => !Number.isInteger(e.score))).toBe(true);
    expect(events.every((e) => Number(e.createTime) > 1e12)).toBe(true);

    const response = await call('/API/pta/API/Events/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const listed = (await response.json()) as Array<Record<string, unknown>>;
    expect(listed.length).toBe(events.length);
    const times = listed.map((e) => Number(e.lastUpdateTime));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('matches paths case-insensitively and filters by status, fromUpdateDate (ms) and accountID', async () => {
    const all = (await (await call('/api/PTA/api/events')).json()) as Array<Record<string, any>>;
    const open = (await (await call('/API/pta/API/Events/?status=OPEN')).json()) as Array<Record<string, any>>;
    expect(open.length).toBe(all.filter((e) => e.mStatus === 'OPEN').length);
    const since = all[9].lastUpdateTime as number;
    const recent = (await (await call(`/API/pta/API/Events/?fromUpdateDate=${since}`)).json()) as unknown[];
    expect(recent).toHaveLength(10);
    const accountId = all.flatMap((e) => e.audits).find((a: any) => a.accountId).accountId as string;
    const byAccount = (await (await call(`/API/pta/API/Events/?accountID=${accountId}`)).json()) as Array<Record<string, any>>;
    expect(byAccount.length).toBeGreaterThan(0);
    expect(byAccount.every((e) => e.audits.some((a: any) => a.accountId === accountId))).toBe(true);
  });

  it('answers 401 PASWS006E JSON to an unknown token', async () => {
    const response = await fetch(`${sim.url}/API/pta/API/Events/`, { headers: { authorization: 'nope' } });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ ErrorCode: 'PASWS006E', ErrorMessage: 'The session token is missing, invalid or expired.' });
  });

  it('applies the URL rules: 400 for space, + & % in the path, 404 for a dot without a trailing slash or an unknown id', async () => {
    for (const bad of ['a%20b', 'a+b', 'a&b', 'a%25b']) {
      expect((await call(`/API/pta/API/Events/${bad}`, { method: 'PATCH', body: '{"mStatus":"OPEN"}' })).status).toBe(400);
    }
    expect((await call('/API/pta/API/Events/a.b', { method: 'PATCH', body: '{"mStatus":"OPEN"}' })).status).toBe(404);
    const unknown = await call('/API/pta/API/Events/000000000000000000000000', { method: 'PATCH', body: '{"mStatus":"OPEN"}' });
    expect(unknown.status).toBe(404);
  });

  it('logs on with a bare JSON string token that then works, and logs off', async () => {
    const logon = await fetch(`${sim.url}/API/auth/Cyberark/Logon`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'demo', password: 'demo', concurrentSession: true }),
    });
    expect(logon.status).toBe(200);
    const token = (await logon.json()) as string;
    expect(typeof token).toBe('string');
    expect(token.length).toBeGreaterThan(100);
    expect((await fetch(`${sim.url}/API/pta/API/Events/`, { headers: { authorization: token } })).status).toBe(200);
    // Still quoted as in the Logon answer: refused, as a real PVWA does.
    expect((await fetch(`${sim.url}/API/pta/API/Events/`, { headers: { authorization: JSON.stringify(token) } })).status).toBe(401);
    expect((await fetch(`${sim.url}/API/Auth/Logoff`, { method: 'POST', headers: { authorization: token } })).status).toBe(200);
    expect((await fetch(`${sim.url}/API/pta/API/Events/`, { headers: { authorization: token } })).status).toBe(401);
    const wrong = await fetch(`${sim.url}/API/auth/LDAP/Logon`, { method: 'POST', body: JSON.stringify({ username: 'demo', password: 'x' }) });
    expect(wrong.status).toBe(403);
  });

  it('records requests and injects a fault for a given number of requests', async () => {
    sim.clearRequests();
    sim.setFault({ kind: 'status', status: 503 }, { times: 1, methods: ['GET'] });
    expect((await call('/API/pta/API/Events/?status=OPEN')).status).toBe(503);
    expect((await call('/API/pta/API/Events/')).status).toBe(200);
    expect(sim.requests.map((r) => [r.method, r.path, r.query])).toEqual([
      ['GET', '/PasswordVault/API/pta/API/Events/', { status: 'OPEN' }],
      ['GET', '/PasswordVault/API/pta/API/Events/', {}],
    ]);
  });
});

describe('the simulator in fast mode (the benchmark upstream)', () => {
  it('answers as in normal mode, from prepared bodies, and leaves its events unchanged on PATCH', async () => {
    const sim = await startSimulator({ eventCount: 20, fast: true, record: false });
    try {
      const headers = { authorization: DEMO_TOKEN };
      const list = await fetch(`${sim.url}/API/pta/API/Events/?status=OPEN`, { headers });
      const events = (await list.json()) as Array<Record<string, unknown>>;
      expect(events.length).toBe(sim.eventsOf().filter((e) => e.mStatus === 'OPEN').length);
      expect(await (await fetch(`${sim.url}/API/pta/API/Events/?status=OPEN`, { headers })).json()).toEqual(events);
      expect((await fetch(`${sim.url}/API/pta/API/Events/?status=maybe`, { headers })).status).toBe(400);

      const id = String(events[0].id);
      const patch = await fetch(`${sim.url}/API/pta/API/Events/${id}`, {
        method: 'PATCH', headers: { ...headers, 'content-type': 'application/json' }, body: '{"mStatus":"CLOSED","closeReason":"NOTREAL"}',
      });
      expect(await patch.json()).toMatchObject({ id, mStatus: 'CLOSED', closeReason: 'NOTREAL' });
      expect(sim.eventsOf().find((e) => e.id === id)).toMatchObject({ mStatus: 'OPEN' });
      expect(sim.requests).toHaveLength(0);
    } finally {
      await sim.close();
    }
  });
});


describe('the simulator\'s tokens with a token secret (npm start, npm run dev)', () => {
  const SECRET = Buffer.alloc(32, 7);
  const logon = async (sim: Simulator) => {
    const response = await fetch(`${sim.url}/API/auth/CyberArk/Logon`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":"demo","password":"demo"}' });
    return (await response.json()) as string;
  };
  const list = (sim: Simulator, token: string) => fetch(`${sim.url}/API/pta/API/Events/`, { headers: { authorization: token } }).then((response) => response.status);
  const user = (sim: Simulator, token: string) => fetch(`${sim.url}/WebServices/PIMServices.svc/User`, { headers: { authorization: token } }).then(async (response) => ((await response.json()) as { UserName?: string }).UserName);

  it('are accepted by a simulator started again with the same secret, as the user who logged on; by no other', async () => {
    const first = await startSimulator({ tokenSecret: SECRET });
    const token = await logon(first);
    await first.close();
    const [again, other, none] = await Promise.all([startSimulator({ tokenSecret: SECRET }), startSimulator({ tokenSecret: Buffer.alloc(32, 8) }), startSimulator()]);
    try {
      expect(await list(again, token)).toBe(200);
      expect(await user(again, token)).toBe('demo');
      expect(await list(other, token)).toBe(401);
      expect(await list(none, token)).toBe(401);
      // A token whose user name was changed does not verify.
      const [id, mac] = Buffer.from(token, 'base64').toString('utf8').split(';');
      const forged = Buffer.from(`${id};${mac};${Buffer.from('radius').toString('hex')};`).toString('base64');
      expect(await list(again, forged)).toBe(401);
    } finally {
      await Promise.all([again.close(), other.close(), none.close()]);
    }
  });

  it('end at logoff and when revoked, for good', async () => {
    const sim = await startSimulator({ tokenSecret: SECRET });
    try {
      const [loggedOff, revoked] = [await logon(sim), await logon(sim)];
      expect((await fetch(`${sim.url}/API/Auth/Logoff`, { method: 'POST', headers: { authorization: loggedOff } })).status).toBe(200);
      sim.revoke(revoked);
      expect([await list(sim, loggedOff), await list(sim, revoked)]).toEqual([401, 401]);
    } finally {
      await sim.close();
    }
  });
});
