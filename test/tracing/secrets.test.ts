import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient } from 'graphql-ws';
import { WebSocket } from 'ws';
import { DEMO_TOKEN } from '../../src/simulator/server.js';
import type { Tracing } from '../../src/tracing/tracing.js';
import { eventsFor } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';
import { LIST, LOGOFF, LOGON, RESPOND, sessionCookieOf, withCookie } from '../support/sessions.js';
import { KIND, STATUS, tracingTo } from '../support/tracing.js';

/**
 * Nothing secret in any exported span: every flow that carries one (logon with a password, a
 * RADIUS challenge and its one-time code, the token, the session cookie, the PVWA's own cookies
 * of a challenge, a WebSocket's token and cookie) is run, and every byte exported, in both
 * encodings, is searched for each secret.
 */

const USER = { username: 'trace-user', password: 'Pw-5ecret-alpha-7731' };
const RADIUS = { username: 'trace-radius', password: 'Pw-5ecret-radius-4410', codes: ['otp-5ecret-8841'] };
const LOGON_POST = 'POST /PasswordVault/API/auth/{method}/Logon';

describe.each(['http/protobuf', 'http/json'])('no secret in the spans exported over OTLP %s', (protocol) => {
  let receiver: OtlpReceiver;
  let tracing: Tracing;
  let h: Harness;
  /** Every secret the flows used or made. */
  const secrets = new Set<string>([USER.password, RADIUS.password, RADIUS.codes[0], DEMO_TOKEN]);
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    tracing = await tracingTo(receiver, protocol);
    h = await startHarness({ tracing, logLevel: 'info', env: { LIVE_POLL_INTERVAL_MS: '100' } });
    h.sim.addUser(USER);
    h.sim.addUser(RADIUS);
  });
  afterAll(async () => {
    await h.close();
    await tracing.shutdown(2_000);
    await receiver.close();
  });

  it('runs the logon, RADIUS, cookie and WebSocket flows and exports not one of their secrets', async () => {
    // A logon with the token delivered, a read with it, a logoff.
    const byToken = await h.gql(LOGON, { input: USER }, { token: null });
    const token = byToken.body.data!.logon.token as string;
    secrets.add(token);
    expect((await h.gql(LIST, {}, { token })).body.errors).toBeUndefined();
    expect((await h.gql(LOGOFF, {}, { token })).body).toEqual({ data: { logoff: true } });
    // A refused password.
    expect((await h.gql(LOGON, { input: { ...USER, password: `${USER.password}-wrong` } }, { token: null })).body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    secrets.add(`${USER.password}-wrong`);
    // A logon with the session cookie, a read with the cookie.
    const byCookie = await h.gql(LOGON, { input: { ...USER, delivery: 'COOKIE' } }, { token: null });
    const cookie = sessionCookieOf(byCookie);
    secrets.add(cookie);
    expect((await withCookie(h, LIST, cookie)).body.errors).toBeUndefined();
    // RADIUS: the password, the challenge, the one-time code, a cookie.
    const challenged = await h.gql(LOGON, { input: { ...RADIUS, method: 'RADIUS', codes: undefined } }, { token: null });
    const { challengeId } = challenged.body.data!.logon as { challengeId: string };
    secrets.add(challengeId);
    const responded = await h.gql(RESPOND, { challengeId, response: RADIUS.codes[0], delivery: 'COOKIE' }, { token: null });
    expect(responded.body.data?.respondToLogonChallenge.__typename).toBe('LogonSuccess');
    const radiusCookie = sessionCookieOf(responded);
    secrets.add(radiusCookie);
    // A subscription over WebSocket, its session from the cookie, and one live poll.
    h.sim.setEvents(DEMO_TOKEN, eventsFor('trace-ws', 2));
    class CookieSocket extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers: { cookie: `pta_session=${radiusCookie}` } });
      }
    }
    const client = createClient({ url: h.gateway.url.replace(/^http/, 'ws'), webSocketImpl: CookieSocket, retryAttempts: 0, lazy: false, onNonLazyError: () => {} });
    const changes = client.iterate({ query: 'subscription Watch { securityEventChanged { kind } }' })[Symbol.asyncIterator]();
    void changes.next();
    await h.sim.received(2, (r) => String(r.headers['x-request-id']).startsWith('live-') || r.headers['x-request-id'] === 'ws-connect');
    await changes.return?.();
    await client.dispose();
    await h.logged((line) => line.msg === 'graphql request' && line.operationName === 'Watch');

    // The PVWA's tokens and cookies, as the simulator received them.
    for (const request of h.sim.requests) {
      if (request.headers.authorization) secrets.add(request.headers.authorization);
      for (const pair of (request.headers.cookie ?? '').split(';')) if (pair.includes('=')) secrets.add(pair.split('=')[1].trim());
    }
    const spans = await receiver.waitFor((all) => all.some((span) => span.name === 'subscription Watch') && all.some((span) => span.name === 'live poll'));

    // The flows were traced: the logons' client spans (the challenge an answer, not a failure), the WebSocket's.
    const logons = spans.filter((span) => span.name === LOGON_POST);
    expect(logons.map((span) => [span.attributes['url.path'], span.attributes['http.response.status_code'], span.status.code, span.attributes['pta.pvwa.logon_challenge']]).sort()).toEqual([
      ['/PasswordVault/API/auth/CyberArk/Logon', 200, STATUS.unset, undefined],
      ['/PasswordVault/API/auth/CyberArk/Logon', 200, STATUS.unset, undefined],
      ['/PasswordVault/API/auth/CyberArk/Logon', 403, STATUS.error, undefined],
      ['/PasswordVault/API/auth/RADIUS/Logon', 200, STATUS.unset, undefined],
      ['/PasswordVault/API/auth/RADIUS/Logon', 500, STATUS.unset, true],
    ]);
    expect(spans.filter((span) => span.kind === KIND.server).map((span) => span.name).sort()).toEqual([
      ...Array(8).fill('POST /graphql'), 'graphql-ws connection_init', 'subscription Watch',
    ]);
    expect(spans.filter((span) => span.name === 'mutation Logon').map((span) => span.attributes)).toContainEqual({ 'graphql.operation.type': 'mutation', 'graphql.operation.name': 'Logon' });

    // Not one secret, in the bytes as sent or as decoded.
    expect(secrets.size).toBeGreaterThanOrEqual(10);
    const sent = Buffer.concat(receiver.exports.map((e) => e.raw));
    const decoded = JSON.stringify(spans);
    for (const secret of secrets) {
      expect([secret, sent.includes(secret)]).toEqual([secret, false]);
      expect([secret, decoded.includes(secret)]).toEqual([secret, false]);
    }
  });
});
