type Json = Record<string, any>;

export interface EventsOptions {
  /** lastUpdateTime of the first (newest) event; each next one is a minute older. */
  newest?: number;
  /** The types, in turn. */
  types?: string[];
  /** The score of the i-th event. */
  score?: (i: number) => number;
  /** Every this many events (from the first) is CLOSED; 0: all OPEN. */
  closedEvery?: number;
  /** With one audit each, on the account `${i % accounts}_1`; 0: no audits, no additionalData. */
  accounts?: number;
  /** How much earlier than lastUpdateTime each event was created, in ms. */
  createdBefore?: number;
}

/**
 * `n` PVWA events of `owner` in the PVWA's shape, newest first, with ids `${owner}-0000`, ... : the
 * one generator of the tests' own event lists (give a token them with `sim.setEvents`).
 */
export function eventsFor(owner: string, n: number, options: EventsOptions = {}): Json[] {
  const { newest = 1_700_000_000_000, types = ['VaultViaIrregularIp'], score = () => 50, closedEvery = 0, accounts = 0, createdBefore = 0 } = options;
  return Array.from({ length: n }, (_, i) => {
    const time = newest - i * 60_000;
    const event: Json = {
      id: `${owner}-${String(i).padStart(4, '0')}`,
      type: types[i % types.length],
      score: score(i),
      createTime: time - createdBefore,
      lastUpdateTime: time,
      mStatus: closedEvery > 0 && i % closedEvery === 0 ? 'CLOSED' : 'OPEN',
    };
    if (accounts > 0) {
      event.audits = [{ id: `${owner}-a${i}`, type: 'VAULT_LOGON', createTime: time, accountId: `${i % accounts}_1` }];
      event.additionalData = {};
    }
    return event;
  });
}
