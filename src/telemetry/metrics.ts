import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PvwaCall } from '../pvwa/client.js';
import { CREDENTIALS_ACTIONS, LIVE_SESSION_ACTIONS } from '../pvwa/paths.js';
import { PVWA_ENDPOINTS } from '../pvwa/transport.js';

/** How an event list read was served: the whole list, or only what changed since the session's snapshot. */
export type ReadKind = 'full' | 'delta';

/**
 * Prometheus metrics (prom-client), one registry per gateway. Labels never carry a token, an
 * event id or a raw URL: upstream calls are labelled by endpoint, and operation names (chosen by
 * clients) are bounded: past `maxOperations` distinct names, new ones count as `other`.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly operations = new Set<string>();

  private readonly requests = new Counter({
    name: 'pta_gateway_graphql_requests_total',
    help: 'GraphQL requests, by operation name, operation type and outcome code (OK when no error).',
    labelNames: ['operation', 'type', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly requestDuration = new Histogram({
    name: 'pta_gateway_graphql_request_duration_seconds',
    help: 'Time to answer a GraphQL request, by operation type.',
    labelNames: ['type'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly inFlight = new Gauge({
    name: 'pta_gateway_graphql_requests_in_flight',
    help: 'GraphQL requests being answered now.',
    registers: [this.registry],
  });
  private readonly upstreamCalls = new Counter({
    name: 'pta_gateway_pvwa_requests_total',
    help: 'Calls to the PVWA, by endpoint and HTTP status, or the failure when it gave no usable answer (timeout, unavailable, bad-response, redirect, shutdown).',
    labelNames: ['endpoint', 'status'] as const,
    registers: [this.registry],
  });
  private readonly upstreamDuration = new Histogram({
    name: 'pta_gateway_pvwa_request_duration_seconds',
    help: 'Time of a PVWA call, retries included, by endpoint.',
    labelNames: ['endpoint'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly retries = new Counter({
    name: 'pta_gateway_pvwa_retries_total',
    help: 'Retried attempts of PVWA calls, by endpoint.',
    labelNames: ['endpoint'] as const,
    registers: [this.registry],
  });
  private readonly timeouts = new Counter({
    name: 'pta_gateway_pvwa_timeouts_total',
    help: 'PVWA calls that got no answer in time, by endpoint.',
    labelNames: ['endpoint'] as const,
    registers: [this.registry],
  });

  private readonly eventReads = new Counter({
    name: 'pta_gateway_event_reads_total',
    help: 'Upstream event list reads, by kind: full (the whole list) or delta (only what changed since the session snapshot).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  private readonly eventReadBytes = new Counter({
    name: 'pta_gateway_event_read_bytes_total',
    help: 'JSON bytes received by upstream event list reads, by kind.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  constructor(private readonly maxOperations: number) {
    collectDefaultMetrics({ register: this.registry, prefix: 'pta_gateway_' });
    // Known label values start at zero, so dashboards and alerts see them before the first call.
    for (const endpoint of PVWA_ENDPOINTS) {
      this.retries.inc({ endpoint }, 0);
      this.timeouts.inc({ endpoint }, 0);
    }
    this.refusedConnections.inc({ reason: 'address' }, 0);
    for (const kind of ['full', 'delta']) {
      this.eventReads.inc({ kind }, 0);
      this.eventReadBytes.inc({ kind }, 0);
    }
    for (const action of [...Object.keys(CREDENTIALS_ACTIONS), ...Object.keys(LIVE_SESSION_ACTIONS)]) this.actions.inc({ action, outcome: 'OK' }, 0);
  }

  private readonly bulkItemCounter = new Counter({
    name: 'pta_gateway_bulk_items_total',
    help: 'Items of updateEventStatuses, by outcome (OK or the item error code).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  /** The items of one bulk mutation, by outcome (error codes: a small fixed set). */
  bulkItems(counts: Record<string, number>): void {
    for (const [outcome, count] of Object.entries(counts)) this.bulkItemCounter.inc({ outcome }, count);
  }

  private readonly actions = new Counter({
    name: 'pta_gateway_pvwa_actions_total',
    help: 'CPM and PSM actions sent to the PVWA (requestCredentialsAction, controlLiveSession), by action and outcome (OK or the error code).',
    labelNames: ['action', 'outcome'] as const,
    registers: [this.registry],
  });

  /** A CPM or PSM action (a fixed set) and its outcome (OK or an error code: a small fixed set). */
  pvwaAction(action: string, outcome: string): void {
    this.actions.inc({ action, outcome });
  }

  /** Gauges of the account cache, read when scraped. */
  trackAccountCache(stats: () => { entries: number; bytes: number }): void {
    new Gauge({ name: 'pta_gateway_account_cache_entries', help: 'Vault accounts kept in the per-session account cache.', registers: [this.registry], collect() { this.set(stats().entries); } });
    new Gauge({ name: 'pta_gateway_account_cache_bytes', help: 'Their size, in JSON bytes received.', registers: [this.registry], collect() { this.set(stats().bytes); } });
  }

  readonly livePushed = new Counter({
    name: 'pta_gateway_live_changes_pushed_total',
    help: 'Security event changes pushed to subscriptions.',
    registers: [this.registry],
  });

  /** Gauges of live events, read when scraped. */
  trackLive(stats: () => { sockets: number; subscriptions: number; sessions: number }): void {
    const gauge = (name: string, help: string, read: (s: ReturnType<typeof stats>) => number) =>
      new Gauge({ name, help, registers: [this.registry], collect() { this.set(read(stats())); } });
    gauge('pta_gateway_live_sockets', 'Open GraphQL WebSocket connections.', (s) => s.sockets);
    gauge('pta_gateway_live_subscriptions', 'Active securityEventChanged subscriptions.', (s) => s.subscriptions);
    gauge('pta_gateway_live_sessions_polled', 'Sessions whose events are polled for live subscriptions.', (s) => s.sessions);
  }

  private readonly refusedConnections = new Counter({
    name: 'pta_gateway_connections_refused_total',
    help: 'Client connections closed as they arrived, by reason: address (MAX_CONNECTIONS_PER_ADDRESS were open from its address).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  /** A client connection closed as it arrived. */
  connectionRefused(reason: 'address'): void {
    this.refusedConnections.inc({ reason });
  }

  /** Gauges of the answer budget, read when scraped. */
  trackAnswers(stats: () => { bytes: number; waiting: number }): void {
    new Gauge({ name: 'pta_gateway_answer_bytes_held', help: 'Bytes of large answers being built or written now (their estimate, then their size), held in the answer budget.', registers: [this.registry], collect() { this.set(stats().bytes); } });
    new Gauge({ name: 'pta_gateway_answers_waiting', help: 'Operations waiting for room in the answer budget.', registers: [this.registry], collect() { this.set(stats().waiting); } });
  }

  /** One upstream event list read and its size. */
  eventRead(kind: ReadKind, bytes: number): void {
    this.eventReads.inc({ kind });
    this.eventReadBytes.inc({ kind }, bytes);
  }

  /** Gauges of the snapshots held, read from the store when scraped. */
  trackSnapshots(stats: () => { snapshots: number; bytes: number }): void {
    new Gauge({
      name: 'pta_gateway_snapshots',
      help: 'Per-session event snapshots held.',
      registers: [this.registry],
      collect() {
        this.set(stats().snapshots);
      },
    });
    new Gauge({
      name: 'pta_gateway_snapshot_bytes',
      help: 'Size of all snapshots held, in JSON bytes received.',
      registers: [this.registry],
      collect() {
        this.set(Math.round(stats().bytes));
      },
    });
  }

  /** An operation name as a bounded label value. */
  private operationLabel(name: string | null): string {
    if (name === null) return 'anonymous';
    if (this.operations.has(name)) return name;
    if (this.operations.size >= this.maxOperations) return 'other';
    this.operations.add(name);
    return name;
  }

  private readonly trustedDocuments = new Counter({
    name: 'pta_gateway_trusted_documents_total',
    help: 'GraphQL requests that ran a trusted document (TRUSTED_DOCUMENTS), by its id (the SHA-256 of its text: a manifest bounds them) and operation name, and outcome.',
    labelNames: ['document', 'operation', 'outcome'] as const,
    registers: [this.registry],
  });

  graphqlRequest(request: { operationName: string | null; operationType: string | null; outcome: string; documentId?: string | null }, durationMs: number): void {
    const type = request.operationType ?? 'none';
    const operation = this.operationLabel(request.operationName);
    this.requests.inc({ operation, type, outcome: request.outcome });
    if (request.documentId) this.trustedDocuments.inc({ document: request.documentId, operation, outcome: request.outcome });
    this.requestDuration.observe({ type }, durationMs / 1000);
  }

  pvwaCall(call: PvwaCall): void {
    const status = call.status !== null ? String(call.status) : (call.failure ?? 'error');
    this.upstreamCalls.inc({ endpoint: call.endpoint, status });
    this.upstreamDuration.observe({ endpoint: call.endpoint }, call.durationMs / 1000);
    if (call.attempts > 1) this.retries.inc({ endpoint: call.endpoint }, call.attempts - 1);
    if (call.failure === 'timeout') this.timeouts.inc({ endpoint: call.endpoint });
  }
}
