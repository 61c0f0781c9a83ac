import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { EVENT_FIELDS, eventCalls, fixture, startHarness, type Harness } from './support/harness.js';

const CLOSE = `mutation Close($id: ID!, $status: EventStatus!, $closeReason: CloseReason, $reasonText: String) {
  updateEventStatus(id: $id, status: $status, closeReason: $closeReason, reasonText: $reasonText) { ${EVENT_FIELDS} }
}`;

describe('updateEventStatus', () => {
  let h: Harness;
  let openId: string;
  beforeAll(async () => {
    h = await startHarness();
    openId = String(h.sim.eventsOf().find((e) => e.mStatus === 'OPEN')!.id);
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.sim.clearRequests();
    h.sim.clearFault();
  });

  it('sends PATCH with exactly {"mStatus"} and the raw token, and maps the updated event', async () => {
    const { body } = await h.gql(CLOSE, { id: openId, status: 'CLOSED' }, { token: 'Bearer demo-token', headers: { cookie: 'session=abc' } });
    expect(body.errors).toBeUndefined();
    expect(body.data!.updateEventStatus.id).toBe(openId);
    expect(body.data!.updateEventStatus.status).toBe('CLOSED');
    const calls = eventCalls(h.sim);
    expect(calls).toHaveLength(1);
    expect(calls[0].method).toBe('PATCH');
    expect(calls[0].path).toBe(`/PasswordVault/API/pta/API/Events/${openId}`);
    expect(calls[0].body).toBe('{"mStatus":"CLOSED"}');
    expect(calls[0].headers.authorization).toBe('demo-token');
    expect(calls[0].headers['content-type']).toBe('application/json');
    expect(calls[0].headers.cookie).toBeUndefined();
  });

  it('sends closeReason as the PVWA spells it (NOT_REAL is NOTREAL) and reasonText only when given', async () => {
    const { body } = await h.gql(CLOSE, { id: openId, status: 'CLOSED', closeReason: 'NOT_REAL', reasonText: 'False positive' });
    expect(body.errors).toBeUndefined();
    expect(body.data!.updateEventStatus).toMatchObject({ status: 'CLOSED', closeReason: 'NOT_REAL', reasonText: 'False positive' });
    await h.gql(CLOSE, { id: openId, status: 'CLOSED', closeReason: 'HANDLED' });
    await h.gql(CLOSE, { id: openId, status: 'OPEN' });
    expect(eventCalls(h.sim).map((c) => c.body)).toEqual([
      '{"mStatus":"CLOSED","closeReason":"NOTREAL","reasonText":"False positive"}',
      '{"mStatus":"CLOSED","closeReason":"HANDLED"}',
      '{"mStatus":"OPEN"}',
    ]);
    expect(h.sim.eventsOf().find((e) => e.id === openId)!.mStatus).toBe('OPEN');
  });

  it('maps the PVWA docs PATCH answer (LOCAL_UNIX account, matchPatterns, closeReason)', async () => {
    const answer = fixture<Record<string, unknown>>('patch-event.docs-example.json');
    h.sim.setEvents('docs', [{ ...answer, mStatus: 'OPEN', closeReason: undefined, reasonText: undefined }]);
    const { body } = await h.gql(CLOSE, { id: answer.id, status: 'CLOSED', closeReason: 'HANDLED', reasonText: 'Handled by SOC team' }, { token: 'docs' });
    expect(body.errors).toBeUndefined();
    const event = body.data!.updateEventStatus;
    expect(event).toMatchObject({
      id: '444445e56bbb0b0a063f4444', type: 'PSMSuspiciousActivity', score: 70, status: 'CLOSED', closeReason: 'HANDLED',
      reasonText: 'Handled by SOC team', createTime: '2020-04-06T01:01:01.000Z',
    });
    expect(event.audits[0].account).toEqual({
      asString: 'hi2@example.cyber-ark.co.il', type: 'LOCAL_UNIX', user: 'hi2', domain: null, spnList: [],
      target: { originalAddress: '10.1.8.182', resolved: { originalAddress: '10.1.8.182', address: '10.1.8.182', hostName: 'cyber', fqdn: 'example.cyber-ark.co.il' } },
    });
    expect(event.additionalData.matchPatterns).toBe('kill(.*)');
  });

  it('gives an id with a dot the trailing slash the PVWA URL rules require', async () => {
    h.sim.setEvents('dots', [{ id: 'v1.5f14', type: 'T', score: 1, createTime: 1, lastUpdateTime: 1, mStatus: 'OPEN' }]);
    const { body } = await h.gql(CLOSE, { id: 'v1.5f14', status: 'CLOSED' }, { token: 'dots' });
    expect(body.errors).toBeUndefined();
    expect(body.data!.updateEventStatus.status).toBe('CLOSED');
    expect(eventCalls(h.sim)[0].path).toBe('/PasswordVault/API/pta/API/Events/v1.5f14/');
  });

  it('strips the JSON quotes of a Logon answer pasted as the token', async () => {
    const { body } = await h.gql(CLOSE, { id: openId, status: 'OPEN' }, { token: '"demo-token"' });
    expect(body.errors).toBeUndefined();
    expect(eventCalls(h.sim)[0].headers.authorization).toBe('demo-token');
  });

  describe('refuses bad input with BAD_USER_INPUT and never calls the PVWA', () => {
    it.each([
      ['an empty id', { id: '', status: 'OPEN' }],
      ['an id of 129 characters', { id: 'a'.repeat(129), status: 'OPEN' }],
      ['an id with a space', { id: 'a b', status: 'OPEN' }],
      ['an id with a tab', { id: 'a\tb', status: 'OPEN' }],
      ...['+', '&', '%', '/', '\\', '?', '#'].map((c) => [`an id with ${c}`, { id: `5f14${c}95ce`, status: 'OPEN' }] as const),
      ['the id "."', { id: '.', status: 'OPEN' }],
      ['the id ".."', { id: '..', status: 'OPEN' }],
      ['reasonText of 101 characters', { id: 'abc', status: 'CLOSED', reasonText: 'x'.repeat(101) }],
      ['closeReason with OPEN', { id: 'abc', status: 'OPEN', closeReason: 'HANDLED' }],
      ['reasonText with OPEN', { id: 'abc', status: 'OPEN', reasonText: 'why' }],
    ])('%s', async (_name, variables) => {
      const { body } = await h.gql(CLOSE, variables);
      expect(body.data).toBeNull();
      expect(body.errors).toHaveLength(1);
      expect(body.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
      expect(h.sim.requests).toHaveLength(0);
    });

    it('accepts reasonText of exactly 100 characters and an id of exactly 128', async () => {
      const long = 'b'.repeat(128);
      h.sim.setEvents('long', [{ id: long, type: 'T', score: 1, createTime: 1, lastUpdateTime: 1, mStatus: 'OPEN' }]);
      const { body } = await h.gql(CLOSE, { id: long, status: 'CLOSED', reasonText: 'r'.repeat(100) }, { token: 'long' });
      expect(body.errors).toBeUndefined();
      expect(body.data!.updateEventStatus.reasonText).toBe('r'.repeat(100));
    });

    it('an invalid enum value is refused by GraphQL itself', async () => {
      const { status, body } = await h.gql(CLOSE, { id: openId, status: 'closed' });
      expect(status).toBe(400);
      expect(body.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
      expect(h.sim.requests).toHaveLength(0);
    });
  });

  it('answers UNAUTHENTICATED without calling the PVWA when there is no token', async () => {
    for (const token of [null, '', 'Bearer ', '""']) {
      const { body } = await h.gql(CLOSE, { id: openId, status: 'CLOSED' }, { token });
      expect(body.errors![0].extensions).toEqual({ code: 'UNAUTHENTICATED' });
      expect(body.data).toBeNull();
    }
    expect(h.sim.requests).toHaveLength(0);
  });
});
