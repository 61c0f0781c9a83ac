// The SOC triage flow, step by step, on a TriageConsole: log on, watch live changes, read the
// open events page by page, close the newest with a reason, see the change arrive live, log off.
// triage.ts runs it against a gateway and prints each step; test/examples/console.test.ts runs it
// against an in-process gateway and checks every value.
import type { EventChange, EventPage, TriageConsole, TriageEvent } from './client.js';
import type { CloseReason } from './gql/graphql.js';

export interface TriageOptions {
  username: string;
  password: string;
  /** Events per page (`first`). */
  pageSize: number;
  /** How many pages to read at most (following `endCursor`). */
  pages: number;
  closeReason: CloseReason;
  reasonText: string;
  /** How long to wait for the live change of the close. */
  changeTimeoutMs: number;
  /** Where each step is reported, one line each. */
  log: (line: string) => void;
}

export interface TriageReport {
  /** The pages read, in order. */
  pages: EventPage[];
  /** The event closed, as the gateway answered the close. */
  closed: TriageEvent;
  /** The live change that announced the close. */
  change: EventChange;
  /** What logoff answered. */
  loggedOff: boolean;
}

export const describeEvent = (event: TriageEvent): string => {
  const source = event.audits.find((audit) => audit.source?.originalAddress)?.source?.originalAddress;
  return `${event.id}  ${event.type.padEnd(34)} score ${event.score.toFixed(1).padStart(5)}  ${event.lastUpdateTime}${source ? `  from ${source}` : ''}`;
};

/** Resolves with the first change for `id`, skipping others (e.g. new events arriving meanwhile). */
async function changeOf(next: () => Promise<EventChange>, id: string, timeoutMs: number, log: (line: string) => void): Promise<EventChange> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no live change for ${id} within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    for (;;) {
      const change = await Promise.race([next(), timeout]);
      log(`live: ${change.kind} ${change.event.id} ${change.event.status}`);
      if (change.event.id === id) return change;
    }
  } finally {
    clearTimeout(timer);
  }
}

export async function runTriage(client: TriageConsole, options: TriageOptions): Promise<TriageReport> {
  const { log } = options;
  await client.logon(options.username, options.password);
  log(`logon: ${options.username} is logged on; documents are sent as ${client.documents === 'ids' ? 'ids (sha256 of the manifest)' : 'text'}`);

  // Live first, so no change made from here on is missed.
  const watch = client.watch();
  try {
    await watch.ready;
    log('watch: subscribed to securityEventChanged over the WebSocket');

    const pages: EventPage[] = [];
    let after: string | null = null;
    while (pages.length < options.pages) {
      const page: EventPage = await client.openEvents(options.pageSize, after);
      pages.push(page);
      log(`page ${pages.length}: ${page.nodes.length} of ${page.totalCount} open events${page.pageInfo.hasNextPage ? ', more follow' : ''}`);
      for (const event of page.nodes) log(`  ${describeEvent(event)}`);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor ?? null;
    }

    const target = pages[0]?.nodes[0];
    if (!target) throw new Error('There is no open event to close.');
    const closed = await client.close(target.id, options.closeReason, options.reasonText);
    log(`close: ${closed.id} is ${closed.status} (${closed.closeReason}: "${closed.reasonText}")`);

    const change = await changeOf(watch.next, closed.id, options.changeTimeoutMs, log);
    watch.stop();

    const loggedOff = await client.logoff();
    log(`logoff: ${loggedOff ? 'the session has ended' : 'the gateway did not confirm'}`);
    return { pages, closed, change, loggedOff };
  } finally {
    watch.stop();
  }
}
