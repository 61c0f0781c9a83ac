import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startHarness, type Harness } from '../support/harness.js';
import { riskCalls } from './support.js';

const BOTH = '{ securityEvents(first: 2) { totalCount } riskEvents(first: 2) { nodes { id status } } }';

describe('risk events beside security events in one query', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ logLevel: 'info' });
  });
  afterAll(() => h.close());

  it('reads the risk events anew every time, even when the events snapshot has not changed (no rendered answer is kept)', async () => {
    const first = await h.gql(BOTH);
    expect(first.body.errors).toBeUndefined();
    const newest = first.body.data!.riskEvents.nodes[0] as { id: string; status: string };
    expect(newest.status).toBe('OPEN');
    // Closed elsewhere (another analyst, another client): the security events do not change.
    h.sim.risksOf().find((risk) => risk.id === newest.id)!.status = 'CLOSED';
    const second = await h.gql(BOTH);
    expect(second.body.data!.riskEvents.nodes[0]).toEqual({ id: newest.id, status: 'CLOSED' });
    expect(riskCalls(h.sim)).toHaveLength(2);
    expect(h.logs.filter((line) => line.rendered)).toEqual([]);
  });
});
