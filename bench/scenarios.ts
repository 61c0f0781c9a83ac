import { EVENT_FIELDS } from '../test/support/fields.js';

/** One side of a scenario: the request autocannon repeats. */
export interface Side {
  url: string;
  method: 'GET' | 'POST' | 'PATCH';
  headers: Record<string, string>;
  body?: string;
}

export interface Scenario {
  name: 'close' | 'page' | 'lookup';
  gateway: Side;
  proxy: Side;
  /** Checks once that both sides answer what the scenario means, before any timing. */
  check(): Promise<void>;
}

const EVENTS_PATH = '/PasswordVault/API/pta/API/Events/';

export function SCENARIOS(options: { events: Array<Record<string, any>>; token: string; gateway: string; proxy: string }): Scenario[] {
  const { events, token } = options;
  const graphql = (query: string, variables: Record<string, unknown> = {}): Side => ({
    url: `${options.gateway}/graphql`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: token },
    body: JSON.stringify({ query, variables }),
  });
  const proxy = (method: 'GET' | 'PATCH', path: string, body?: string): Side => ({
    url: options.proxy + path,
    method,
    headers: body ? { 'content-type': 'application/json', authorization: token } : { authorization: token },
    body,
  });
  // A realistic event: several audits, with accounts and addresses.
  const closeTarget = events.find((e) => e.audits.length >= 3 && e.audits.every((a: any) => a.account)) ?? events[0];
  const lookupIds = [0, 400, 900, 1400, 1999].map((i) => String(events[i].id));

  const check = async (side: Side, expectData: (data: any) => boolean) => {
    const response = await fetch(side.url, { method: side.method, headers: side.headers, body: side.body });
    const body = (await response.json()) as any;
    if (response.status !== 200 || (side.url.endsWith('/graphql') && (body.errors || !expectData(body.data)))) {
      throw new Error(`scenario check failed for ${side.url}: ${response.status} ${JSON.stringify(body).slice(0, 300)}`);
    }
  };

  const scenarios: Scenario[] = [
    {
      name: 'close',
      gateway: graphql(
        `mutation Close($id: ID!) { updateEventStatus(id: $id, status: CLOSED) { ${EVENT_FIELDS} } }`,
        { id: closeTarget.id },
      ),
      proxy: proxy('PATCH', EVENTS_PATH + String(closeTarget.id), '{"mStatus":"CLOSED"}'),
      check: async () => {},
    },
    {
      name: 'page',
      gateway: graphql(`query Page { securityEvents(first: 50) { totalCount pageInfo { hasNextPage endCursor } nodes { ${EVENT_FIELDS} } } }`),
      proxy: proxy('GET', EVENTS_PATH),
      check: async () => {},
    },
    {
      name: 'lookup',
      gateway: graphql(`query Lookup { ${lookupIds.map((id, i) => `e${i}: securityEvent(id: "${id}") { ${EVENT_FIELDS} }`).join(' ')} }`),
      proxy: proxy('GET', EVENTS_PATH),
      check: async () => {},
    },
  ];
  scenarios[0].check = async () => {
    await check(scenarios[0].gateway, (d) => d.updateEventStatus.status === 'CLOSED' && d.updateEventStatus.audits.length >= 3);
    await check(scenarios[0].proxy, () => true);
  };
  scenarios[1].check = async () => {
    await check(scenarios[1].gateway, (d) => d.securityEvents.nodes.length === 50 && d.securityEvents.totalCount === 2000);
    await check(scenarios[1].proxy, () => true);
  };
  scenarios[2].check = async () => {
    await check(scenarios[2].gateway, (d) => lookupIds.every((id, i) => d[`e${i}`]?.id === id));
  };
  return scenarios;
}
