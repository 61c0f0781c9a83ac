import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openSession, sealChallenge } from '../../src/sessions/seal.js';
import { metricsText, startHarness, type GraphQLAnswer, type Harness } from '../support/harness.js';
import { authCalls, LIST, LOGOFF, LOGON, RESPOND, sessionCookieOf, TEST_SECRET_HEX, testSealer, withCookie } from '../support/sessions.js';

describe('sessions never reach the logs, errors or metrics', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ logLevel: 'trace', env: { SESSION_SECRET: TEST_SECRET_HEX } });
    h.sim.addUser({ username: 'alice', password: 'Alice-Pa55word-e1b7' });
    h.sim.addUser({ username: 'bob-radius', password: 'Bob-Radius-Pa55-4c2d', codes: ['918273', '564738'] });
  });
  afterAll(() => h.close());

  it('finds no password, token, cookie value, one-time code, challengeId or secret in any log line at trace level', async () => {
    const secrets = ['Alice-Pa55word-e1b7', 'Bob-Radius-Pa55-4c2d', '918273', '564738', 'Wrong-Pa55-7e7e', '000999', TEST_SECRET_HEX, Buffer.from(TEST_SECRET_HEX, 'hex').toString('base64')];
    const answers: GraphQLAnswer[] = [];
    const run = async (answer: Promise<GraphQLAnswer>) => {
      const done = await answer;
      answers.push(done);
      return done;
    };

    // An app: TOKEN logon, a call, logoff, a call with the dead token.
    const token = (await run(h.gql(LOGON, { input: { username: 'alice', password: 'Alice-Pa55word-e1b7' } }, { token: null }))).body.data!.logon.token as string;
    await run(h.gql(LIST, {}, { token }));
    await run(h.gql(LOGOFF, {}, { token }));
    await run(h.gql(LIST, {}, { token }));

    // A browser: RADIUS with two codes, COOKIE delivery, a call, logoff, a call with the old cookie.
    const challenge = (await run(h.gql(LOGON, { input: { method: 'RADIUS', username: 'bob-radius', password: 'Bob-Radius-Pa55-4c2d', delivery: 'COOKIE' } }, { token: null }))).body.data!.logon.challengeId as string;
    const next = (await run(h.gql(RESPOND, { challengeId: challenge, response: '918273', delivery: 'COOKIE' }, { token: null }))).body.data!.respondToLogonChallenge.challengeId as string;
    const done = await run(h.gql(RESPOND, { challengeId: next, response: '564738', delivery: 'COOKIE' }, { token: null }));
    const cookie = sessionCookieOf(done);
    const cookieToken = openSession(testSealer(), cookie, Date.now(), 60_000)!.token;
    await run(withCookie(h, LIST, cookie));
    await run(withCookie(h, LOGOFF, cookie));
    await run(withCookie(h, LIST, cookie));

    // Refusals: wrong password, wrong code, a tampered cookie, an expired challenge, a PVWA that echoes the password.
    await run(h.gql(LOGON, { input: { username: 'alice', password: 'Wrong-Pa55-7e7e' } }, { token: null }));
    const third = (await run(h.gql(LOGON, { input: { method: 'RADIUS', username: 'bob-radius', password: 'Bob-Radius-Pa55-4c2d' } }, { token: null }))).body.data!.logon.challengeId as string;
    await run(h.gql(RESPOND, { challengeId: third, response: '000999' }, { token: null }));
    await run(withCookie(h, LIST, cookie.slice(0, -4) + 'AAAA'));
    const expired = sealChallenge(testSealer(), { nonce: 'n1', username: 'bob-radius', method: 'RADIUS', cookies: ['ASP.NET_SessionId=abc'], expiresAt: Date.now() - 1 });
    await run(h.gql(RESPOND, { challengeId: expired, response: '918273' }, { token: null }));
    h.sim.setFault({ kind: 'status', status: 500, body: JSON.stringify({ ErrorCode: 'X9', ErrorMessage: 'no such password Alice-Pa55word-e1b7' }) }, { times: 1 });
    const echoed = await run(h.gql(LOGON, { input: { username: 'alice', password: 'Alice-Pa55word-e1b7' } }, { token: null }));
    // A PVWA message that carries the password is not shown at all (the gateway's own instead).
    expect(echoed.body.errors![0]).toMatchObject({ message: 'The PVWA answered with HTTP 500.', extensions: { code: 'UPSTREAM_ERROR', upstreamStatus: 500, pvwaErrorCode: 'X9' } });

    // What the PVWA set as challenge cookies is as secret as the rest.
    const pvwaCookies = authCalls(h).flatMap((call) => (call.headers.cookie ?? '').split('; ').filter(Boolean).map((pair) => pair.split('=')[1]));
    expect(pvwaCookies.length).toBeGreaterThanOrEqual(4);
    const all = [...secrets, token, cookie, cookieToken, challenge, next, third, expired, ...pvwaCookies];

    const logs = h.logText();
    // The run was logged, verbosely: a line per GraphQL request and per PVWA call.
    expect(h.logs.filter((line) => line.msg === 'graphql request').length).toBe(answers.length);
    expect(h.logs.filter((line) => line.msg === 'pvwa call').length).toBeGreaterThanOrEqual(14);
    const metrics = await metricsText(h);
    expect(metrics).toContain('pta_gateway_pvwa_requests_total{endpoint="logon",status="500"}');
    const errors = JSON.stringify(answers.flatMap((answer) => answer.body.errors ?? []));
    expect(errors).toContain('UNAUTHENTICATED');
    for (const value of all) {
      expect(logs).not.toContain(value);
      expect(metrics).not.toContain(value);
      expect(errors).not.toContain(value);
    }
  });

  it('scrubs the PVWA cookies an error page echoes (the challenge\'s and the page\'s own) from the debug log and the error', async () => {
    const challenge = (await h.gql(LOGON, { input: { method: 'RADIUS', username: 'bob-radius', password: 'Bob-Radius-Pa55-4c2d' } }, { token: null })).body.data!.logon.challengeId as string;
    h.sim.clearRequests();
    h.sim.setFault({ kind: 'echo', status: 500 }, { times: 1, methods: ['POST'] });
    const answer = await h.gql(RESPOND, { challengeId: challenge, response: '918273' }, { token: null });
    expect(answer.body.errors![0]).toMatchObject({ message: 'The PVWA answered with HTTP 500.', extensions: { code: 'UPSTREAM_ERROR', upstreamStatus: 500 } });
    const sent = authCalls(h)[0].headers.cookie!;
    const values = sent.split('; ').map((pair) => pair.split('=')[1]);
    expect(values).toHaveLength(2);
    const line = h.logs.find((entry) => entry.msg === 'PVWA error answer' && String(entry.upstreamText).includes('Runtime Error'))!;
    expect(line.upstreamText).toContain('Cookie: ASP.NET_SessionId=[cookie]; BIGipServerPVWA=[cookie]');
    // The cookie the error page set itself.
    expect(line.upstreamText).toContain('Set: BIGipServerPVWA=[cookie]');
    for (const value of values) expect(h.logText()).not.toContain(value);
    expect(h.logText()).not.toMatch(/BIGipServerPVWA=[0-9a-f]{12}\.20480/);
  });
});
