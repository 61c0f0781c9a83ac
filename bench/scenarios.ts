import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { EVENT_FIELDS } from '../test/support/fields.js';

/** One side of a scenario: the request autocannon repeats. */
export interface Side {
  url: string;
  method: 'GET' | 'POST' | 'PATCH';
  headers: Record<string, string>;
  body?: string;
}

export type ScenarioName = 'close' | 'close-warm' | 'close-trusted' | 'page' | 'lookup' | 'stats';

export interface Scenario {
  name: ScenarioName;
  gateway: Side;
  proxy: Side;
  /** The same GraphQL request to the same-stack peer (bench/peers/apollo-rest); absent where the peer has no such operation. */
  peer?: Side;
  /** The gateway's environment for this scenario, over the bench's own (a feature turned on). */
  gatewayEnv?: Record<string, string>;
  /** Files the scenario's gateway reads (path to content), written before it starts. */
  gatewayFiles?: Record<string, string>;
  /**
   * Brings the gateway's session to the state the scenario is about; run before the gateway's
   * warm-up and before each of its rounds, outside the timed window.
   */
  prepareGateway?(): Promise<void>;
  /**
   * Checks once, before any timing, that every side answers what the scenario means, and the peer
   * the gateway's data (`withPeer` false when no peer runs: the soak).
   */
  check(withPeer?: boolean): Promise<void>;
}

const EVENTS_PATH = '/PasswordVault/API/pta/API/Events/';

export function SCENARIOS(options: { events: Array<Record<string, any>>; token: string; gateway: string; proxy: string; peer: string; workDir: string }): Scenario[] {
  const { events, token } = options;
  const graphql = (url: string, query: string, variables: Record<string, unknown> = {}): Side => ({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: token },
    body: JSON.stringify({ query, variables }),
  });
  // The same request to the gateway and to the peer (the peer serves at its root, as Apollo's standalone server does).
  const both = (query: string, variables: Record<string, unknown> = {}) => ({
    gateway: graphql(`${options.gateway}/graphql`, query, variables),
    peer: graphql(`${options.peer}/`, query, variables),
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

  /** The answer's `data`, after checking the status and (for GraphQL) that there are no errors and `expectData` holds. */
  const ask = async (side: Side, expectData: (data: any) => boolean = () => true): Promise<any> => {
    const response = await fetch(side.url, { method: side.method, headers: side.headers, body: side.body });
    const body = (await response.json()) as any;
    const isGraphql = side.method === 'POST';
    if (response.status !== 200 || (isGraphql && (body.errors || !expectData(body.data)))) {
      throw new Error(`scenario check failed for ${side.url}: ${response.status} ${JSON.stringify(body).slice(0, 300)}`);
    }
    return isGraphql ? body.data : body;
  };
  /** The peer must answer exactly the gateway's data where the scenario compares them. */
  const same = (what: string, gateway: unknown, peer: unknown) => {
    if (!isDeepStrictEqual(gateway, peer)) {
      throw new Error(`scenario check failed: the peer's ${what} differs from the gateway's:\n gateway ${JSON.stringify(gateway).slice(0, 400)}\n peer    ${JSON.stringify(peer).slice(0, 400)}`);
    }
  };

  const closeQuery = `mutation Close($id: ID!) { updateEventStatus(id: $id, status: CLOSED) { ${EVENT_FIELDS} } }`;
  const pageQuery = `query Page { securityEvents(first: 50) { totalCount pageInfo { hasNextPage endCursor } nodes { ${EVENT_FIELDS} } } }`;
  const pageAfterQuery = `query Next($after: String) { securityEvents(first: 50, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage } nodes { id lastUpdateTime } } }`;
  const close = both(closeQuery, { id: closeTarget.id });
  // The close by its id in a manifest of trusted documents (graphql-codegen's persisted-documents.json).
  const closeId = createHash('sha256').update(closeQuery).digest('hex');
  const manifest = `${options.workDir}/persisted-documents.json`;
  const closeTrusted: Side = { ...close.gateway, body: JSON.stringify({ documentId: `sha256:${closeId}`, variables: { id: closeTarget.id } }) };
  const page = both(pageQuery);
  const closeProxy = proxy('PATCH', EVENTS_PATH + String(closeTarget.id), '{"mStatus":"CLOSED"}');
  const listProxy = proxy('GET', EVENTS_PATH);
  const lookup = graphql(`${options.gateway}/graphql`, `query Lookup { ${lookupIds.map((id, i) => `e${i}: securityEvent(id: "${id}") { ${EVENT_FIELDS} }`).join(' ')} }`);
  // The README's dashboard query: every field of securityEventStats.
  const stats = graphql(`${options.gateway}/graphql`, 'query Dashboard { securityEventStats { total open closed byType { type total open } byScore { min max total open } byDay(days: 7) { date total open } topAccounts(limit: 5) { account total open } topSources(limit: 5) { address total open } } }');

  const checkClose = async (withPeer = true) => {
    const expect = (d: any) => d.updateEventStatus.status === 'CLOSED' && d.updateEventStatus.audits.length >= 3;
    const gateway = await ask(close.gateway, expect);
    if (withPeer) {
      const peer = await ask(close.peer, expect);
      // The whole event, every field: the mapping is the same on both sides.
      same('closed event', gateway.updateEventStatus, peer.updateEventStatus);
    }
    await ask(closeProxy);
  };
  // A console's session: it has read its list (a full page), so the gateway holds a snapshot of it.
  const readList = async () => {
    await ask(page.gateway, (d) => d.securityEvents.totalCount === events.length);
  };

  return [
    {
      name: 'close',
      gateway: close.gateway,
      peer: close.peer,
      proxy: closeProxy,
      check: checkClose,
    },
    {
      // The same close on a session that has read its list: the gateway writes each close through
      // into the session's snapshot. The read runs before every gateway round (outside the timed
      // window), so every round is "after the read", and the snapshot is never dropped as unused
      // mid-scenario. The peer keeps nothing between requests; its rounds are its plain close.
      name: 'close-warm',
      gateway: close.gateway,
      peer: close.peer,
      proxy: closeProxy,
      prepareGateway: readList,
      check: async (withPeer = true) => {
        await readList();
        await checkClose(withPeer);
      },
    },
    {
      // The close as a client with trusted documents sends it: by id, on a gateway that enforces
      // its manifest (no document text to read, hash or parse). The peer's rounds are its plain close.
      name: 'close-trusted',
      gateway: closeTrusted,
      peer: close.peer,
      proxy: closeProxy,
      gatewayEnv: { TRUSTED_DOCUMENTS: manifest, TRUSTED_DOCUMENTS_MODE: 'enforce' },
      gatewayFiles: { [manifest]: JSON.stringify({ [closeId]: closeQuery }) },
      check: async (withPeer = true) => {
        const expect = (d: any) => d.updateEventStatus.status === 'CLOSED' && d.updateEventStatus.audits.length >= 3;
        const gateway = await ask(closeTrusted, expect);
        if (withPeer) same('closed event', gateway.updateEventStatus, (await ask(close.peer, expect)).updateEventStatus);
        // Enforced: a document outside the manifest is refused.
        const outside = await fetch(close.gateway.url, { method: 'POST', headers: close.gateway.headers, body: JSON.stringify({ query: '{ __typename }' }) });
        if (outside.status !== 400) throw new Error(`scenario check failed: the gateway ran a document outside its manifest (${outside.status})`);
        await ask(closeProxy);
      },
    },
    {
      name: 'page',
      gateway: page.gateway,
      peer: page.peer,
      proxy: listProxy,
      check: async () => {
        const expect = (d: any) => d.securityEvents.nodes.length === 50 && d.securityEvents.totalCount === events.length;
        const gateway = (await ask(page.gateway, expect)).securityEvents;
        const peer = (await ask(page.peer, expect)).securityEvents;
        // Cursors are each side's own; everything else is the same.
        same('page', { ...gateway, pageInfo: { hasNextPage: gateway.pageInfo.hasNextPage } }, { ...peer, pageInfo: { hasNextPage: peer.pageInfo.hasNextPage } });
        // The next page, each side with its own cursor: the same events.
        const next = async (side: Side, after: string) => (await ask({ ...side, body: JSON.stringify({ query: pageAfterQuery, variables: { after } }) })).securityEvents;
        same('second page', await next(page.gateway, gateway.pageInfo.endCursor), await next(page.peer, peer.pageInfo.endCursor));
        await ask(listProxy);
      },
    },
    {
      // No peer column: the peer serves no single-event lookup.
      name: 'lookup',
      gateway: lookup,
      proxy: listProxy,
      check: async () => {
        await ask(lookup, (d) => lookupIds.every((id, i) => d[`e${i}`]?.id === id));
        await ask(listProxy);
      },
    },
    {
      // No peer column: the peer serves no counts. The check's read leaves the session warm, and
      // the gateway's rounds keep it so: every timed request is a warm read (one delta GET).
      name: 'stats',
      gateway: stats,
      proxy: listProxy,
      check: async () => {
        const sum = (counts: Array<{ total: number }>) => counts.reduce((total, count) => total + count.total, 0);
        await ask(stats, ({ securityEventStats: s }) =>
          s.total === events.length && s.open + s.closed === s.total && sum(s.byType) === s.total && sum(s.byScore) === s.total && s.byDay.length === 7 && s.topAccounts.length === 5 && s.topSources.length === 5);
        await ask(listProxy);
      },
    },
  ];
}
