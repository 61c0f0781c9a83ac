import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EVENT_FIELDS, fixture, startHarness, type Harness } from '../support/harness.js';

// The real PVWA payloads, served by the simulator, read through the gateway over HTTP.
describe('mapping real PVWA payloads into the graph', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    h.sim.setEvents('xsoar-15', fixture('get-events.xsoar-15.json'));
    h.sim.setEvents('docs', fixture('get-events.docs-example.json'));
    h.sim.setEvents('xsoar-5', fixture('get-events.xsoar-5.json'));
  });
  afterAll(() => h.close());

  const list = async (token: string) => {
    const { body } = await h.gql(`{ securityEvents(first: 500) { totalCount nodes { ${EVENT_FIELDS} } } }`, {}, { token });
    expect(body.errors).toBeUndefined();
    return body.data!.securityEvents as { totalCount: number; nodes: any[] };
  };

  it('maps the SIEM event with a DOMAIN account, resolved addresses and aggregation_count', async () => {
    const { nodes, totalCount } = await list('xsoar-15');
    expect(totalCount).toBe(15);
    expect(nodes[0]).toEqual({
      id: '5ebd5480e4b07501bd67d51c',
      type: 'InteractiveLogonWithServiceAccount',
      score: 60,
      status: 'OPEN',
      createTime: '2020-05-14T14:20:20.171Z',
      lastUpdateTime: '2020-07-21T12:16:02.775Z',
      closeReason: null,
      reasonText: null,
      audits: [
        {
          id: '5ebd5479e4b07501bd67d176',
          type: 'WINDOWS_LOGON',
          sensorType: 'SIEM',
          action: 'Logon',
          psmCommand: null,
          createTime: '2020-05-14T14:20:20.171Z',
          vaultUser: null,
          accountId: '27_3',
          account: { asString: 'administrator@cybr.com', type: 'DOMAIN', user: 'administrator', domain: 'cybr.com', spnList: [], target: null },
          source: {
            originalAddress: '10.0.0.5',
            resolved: { originalAddress: 'dc01.cybr.com', address: '10.0.0.5', hostName: 'dc01', fqdn: 'dc01.cybr.com' },
          },
          target: {
            originalAddress: 'dc01.cybr.com',
            resolved: { originalAddress: 'dc01.cybr.com', address: '10.0.0.5', hostName: 'dc01', fqdn: 'dc01.cybr.com' },
          },
        },
      ],
      additionalData: {
        mitigationAction: null, sessionIsLive: null, matchPatterns: null, sessionIds: [], station: null, reason: null,
        vaultUser: null, aggregationCount: 12, raw: { aggregation_count: 12 },
      },
    });
  });

  it('passes float scores through exactly and maps the snake_case additionalData keys', async () => {
    const { nodes } = await list('xsoar-15');
    expect(nodes[1].score).toBe(27.656250000000004);
    expect(nodes.find((n) => n.id === '5f13f89fe4b0ba4baf5eee4b').score).toBe(50.65625000000001);
    expect(nodes[1].additionalData).toEqual({
      mitigationAction: null, sessionIsLive: null, matchPatterns: null, sessionIds: [], station: '17.111.13.67', reason: 'ip',
      vaultUser: 'administrator', aggregationCount: null, raw: { station: '17.111.13.67', reason: 'ip', vault_user: 'administrator' },
    });
    expect(nodes[1].audits[0]).toEqual({
      id: '5f14495ce4b0ba4baf5efd81', type: 'VAULT_LOGON', sensorType: 'VAULT', action: 'Logon', psmCommand: null,
      createTime: '2020-07-19T13:23:40.000Z', vaultUser: 'Administrator', accountId: null, account: null,
      source: { originalAddress: '17.111.13.67', resolved: null }, target: null,
    });
  });

  it('keeps the inner resolved address even when its host name is a bare IP', async () => {
    const { nodes } = await list('xsoar-5');
    expect(nodes.map((n) => n.id)).toEqual([
      '5f0ea000e4b0ba4baf5d1910', '5f0c5b5de4b0ba4baf5c66db', '5f0b4e53e4b0ba4baf5c43ed', '5f0b4320e4b0ba4baf5c2b05', '5f0b3064e4b0ba4baf5c1113',
    ]);
    expect(nodes[1].audits[0].source).toEqual({
      originalAddress: '17.111.13.67',
      resolved: { originalAddress: '17.111.13.67', address: '17.111.13.67', hostName: '17.111.13.67', fqdn: '17.111.13.67.bb.netvision.net.il' },
    });
  });

  it('maps a LOCAL_UNIX account with its target, a PSM command, closeReason and reasonText', async () => {
    const { nodes } = await list('docs');
    // The docs list is oldest first; the gateway returns the newest lastUpdateTime first.
    expect(nodes.map((n) => n.id)).toEqual(['555545e56aaa0b0a063ff555', '444445e56bbb0b0a063f4444']);
    const [closed, open] = nodes;
    expect(closed.status).toBe('CLOSED');
    expect(closed.closeReason).toBe('HANDLED');
    expect(closed.reasonText).toBe('Handled by SOC team');
    expect(open.status).toBe('OPEN');
    expect(open.closeReason).toBeNull();
    expect(open.score).toBe(70);
    expect(open.createTime).toBe('2020-04-06T01:01:01.000Z');
    expect(open.additionalData.matchPatterns).toBe('kill(.*)');
    expect(open.audits[0].psmCommand).toBe('bla');
    expect(open.audits[0].account).toEqual({
      asString: 'hi2@example.cyber-ark.co.il',
      type: 'LOCAL_UNIX',
      user: 'hi2',
      domain: null,
      spnList: [],
      target: {
        originalAddress: '10.1.8.182',
        resolved: { originalAddress: '10.1.8.182', address: '10.1.8.182', hostName: 'cyber', fqdn: 'example.cyber-ark.co.il' },
      },
    });
  });
});

describe('mapping odd PVWA data', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  const base = { id: '5f0000000000000000000001', type: 'NewDetectionKind', score: 1.5, createTime: 1595165020000, lastUpdateTime: 1595165020000, mStatus: 'OPEN' };
  const one = async (event: Record<string, unknown>, fields = EVENT_FIELDS) => {
    h.sim.setEvents('odd', [event]);
    const { body } = await h.gql(`{ securityEvent(id: "${String(event.id)}") { ${fields} } }`, {}, { token: 'odd' });
    expect(body.errors).toBeUndefined();
    return body.data!.securityEvent;
  };

  it('reads times below 1e11 as seconds (with fractions) and others as milliseconds', async () => {
    const event = await one({ ...base, createTime: 1595165020, lastUpdateTime: 1595165020.25 }, 'createTime lastUpdateTime');
    expect(event).toEqual({ createTime: '2020-07-19T13:23:40.000Z', lastUpdateTime: '2020-07-19T13:23:40.250Z' });
    const ms = await one({ ...base, createTime: 100_000_000_000 }, 'createTime');
    expect(ms.createTime).toBe('1973-03-03T09:46:40.000Z');
  });

  it('accepts mStatus, closeReason and mitigationAction in any case, and NOTREAL as NOT_REAL', async () => {
    const event = await one(
      { ...base, mStatus: 'closed', closeReason: 'notReal', additionalData: { mitigationAction: 'Terminate' } },
      'status closeReason additionalData { mitigationAction }',
    );
    expect(event).toEqual({ status: 'CLOSED', closeReason: 'NOT_REAL', additionalData: { mitigationAction: 'TERMINATE' } });
    expect((await one({ ...base, additionalData: { mitigationAction: 'SUSPEND' } }, 'additionalData { mitigationAction }')).additionalData.mitigationAction).toBe('SUSPEND');
  });

  it('maps sessionIsLive from booleans and true/false strings in any case, else null', async () => {
    const live = async (value: unknown) =>
      (await one({ ...base, additionalData: { sessionIsLive: value } }, 'additionalData { sessionIsLive }')).additionalData.sessionIsLive;
    expect(await live('true')).toBe(true);
    expect(await live('FALSE')).toBe(false);
    expect(await live(true)).toBe(true);
    expect(await live(false)).toBe(false);
    expect(await live('yes')).toBeNull();
    expect(await live(1)).toBeNull();
  });

  it('maps sessionIDs, and gives empty lists and {} when keys are missing', async () => {
    const withIds = await one({ ...base, additionalData: { sessionIDs: ['a-1', 'b-2'], matchPatterns: 'rm(.*)' } }, 'additionalData { sessionIds matchPatterns raw }');
    expect(withIds.additionalData).toEqual({ sessionIds: ['a-1', 'b-2'], matchPatterns: 'rm(.*)', raw: { sessionIDs: ['a-1', 'b-2'], matchPatterns: 'rm(.*)' } });
    const bare = await one(base, 'audits { id } additionalData { sessionIds raw aggregationCount }');
    expect(bare).toEqual({ audits: [], additionalData: { sessionIds: [], raw: {}, aggregationCount: null } });
  });

  it('ignores unknown keys anywhere and turns missing optional keys into null', async () => {
    const event = await one({
      ...base,
      futureField: { nested: true },
      audits: [{ id: 'a1', type: 'VAULT_LOGON', createTime: 1595165020000, newAuditKey: 1, account: { account: { mUser: 'u', extra: 1 } }, source: { mOriginalAddress: '1.2.3.4', mResolvedAddress: { mFqdn: 'x.example', other: 2 } } }],
      additionalData: { somethingNew: 'kept in raw' },
    });
    expect(event.audits).toEqual([
      {
        id: 'a1', type: 'VAULT_LOGON', sensorType: null, action: null, psmCommand: null, createTime: '2020-07-19T13:23:40.000Z',
        vaultUser: null, accountId: null,
        account: { asString: null, type: null, user: 'u', domain: null, spnList: [], target: null },
        source: { originalAddress: '1.2.3.4', resolved: { originalAddress: null, address: null, hostName: null, fqdn: 'x.example' } },
        target: null,
      },
    ]);
    expect(event.additionalData.raw).toEqual({ somethingNew: 'kept in raw' });
    expect(event.additionalData.station).toBeNull();
  });

  it('turns optional values of the wrong type into null rather than failing the event', async () => {
    const event = await one(
      { ...base, reasonText: 42, closeReason: 'SOMETHING_NEW', additionalData: { aggregation_count: 2.5, station: ['x'], vault_user: null } },
      'reasonText closeReason additionalData { aggregationCount station vaultUser }',
    );
    expect(event).toEqual({ reasonText: null, closeReason: null, additionalData: { aggregationCount: null, station: null, vaultUser: null } });
  });
});
