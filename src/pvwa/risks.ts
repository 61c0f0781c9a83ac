import type { Logger } from 'pino';
import { PvwaError } from './errors.js';
import { RISK_EVENTS_PATH, RISK_SUMMARY_PATH, riskEventPath } from './paths.js';
import type { PvwaRiskEvent, PvwaRiskEventPage, PvwaRiskEventPatch, RiskEventList, RiskEventQuery } from './risk-types.js';
import type { PvwaCaller, PvwaEndpoint } from './transport.js';
import type { EventStatusChange } from './types.js';
import { isObject, pvwaStatus, pvwaTimeToMs } from './validate.js';

/**
 * The PVWA's risk events API (PVWA 13.2+): what the gateway sends (the `filter` expression, the
 * query, the PATCH body), how it reads the answers, and the calls themselves, made through the
 * client's `call` (transport, retries, refused tokens). Sources: docs/pta-risk-api.md.
 */

/** What a resolver can ask of the risk API, bound to one caller (part of the client's PvwaApi). */
export interface PvwaRiskApi {
  /** GET /API/pta/API/Risks/RisksEvents/ for one PVWA page: its items (unchecked) and the total. */
  getRiskEvents(query: RiskEventQuery): Promise<PvwaRiskEventPage>;
  /** GET /API/pta/API/Risks/Summary/: the entries (unchecked), from either of the two shapes. */
  getRiskSummary(): Promise<unknown[]>;
  /** PATCH /API/pta/API/Risks/RisksEvents/{id}: the updated risk event, checked. */
  updateRiskEvent(id: string, change: EventStatusChange): Promise<PvwaRiskEvent>;
}

/** The client's call: one request through the transport, its answer parsed as JSON. */
export type ClientCall = (endpoint: PvwaEndpoint, caller: PvwaCaller, path: string, body?: string) => Promise<{ body: unknown }>;

/** What a risk type may hold: it goes between double quotes in the filter, so it must not be able to end them. */
const RISK_TYPE = /^[A-Za-z0-9_]{1,100}$/;

/** Why `type` cannot be sent as a risk type, or null when it can. */
export function riskTypeProblem(type: string): string | null {
  return RISK_TYPE.test(type) ? null : 'must be 1 to 100 letters, digits or _ (a risk type such as RISK_RISKY_SPN)';
}

/**
 * The PVWA's `filter` expression for a list, or null when nothing is filtered: clauses joined by
 * ` AND `, each value in double quotes (the docs' example and psPAS), times as epoch ms:
 * `type eq "RISK_RISKY_SPN" AND status eq "OPEN" AND detectionTime BETWEEN "<ms>" TO "<ms>"`; one
 * bound alone is `detectionTime gte "<ms>"` or `detectionTime lte "<ms>"` (PVWA 14.0+).
 */
export function riskFilterExpression(list: RiskEventList): string | null {
  const clauses: string[] = [];
  if (list.type !== undefined) clauses.push(`type eq "${list.type}"`);
  if (list.status !== undefined) clauses.push(`status eq "${list.status}"`);
  const { detectedFrom: from, detectedTo: to } = list;
  if (from !== undefined && to !== undefined) clauses.push(`detectionTime BETWEEN "${from}" TO "${to}"`);
  else if (from !== undefined) clauses.push(`detectionTime gte "${from}"`);
  else if (to !== undefined) clauses.push(`detectionTime lte "${to}"`);
  return clauses.length > 0 ? clauses.join(' AND ') : null;
}

/**
 * The query string of one page: `filter` (when any) percent-encoded as psPAS sends it (a space is
 * `%20`, never `+`, which the PVWA's URL rules do not support), then `sort`, `page` and `size`.
 */
export function riskEventsSearch(query: RiskEventQuery): string {
  const filter = riskFilterExpression(query);
  const sort = query.sort === 'SCORE' ? 'score' : 'detectionTime';
  return `?${filter !== null ? `filter=${encodeURIComponent(filter)}&` : ''}sort=${sort}&page=${query.page}&size=${query.size}`;
}

/**
 * PATCH .../RisksEvents/{id}'s body: `status` (the security events' PATCH says `mStatus`), then
 * `closeReason` as the PVWA spells it (NOT_REAL is NOTREAL) and `reasonText`, when given.
 */
export function riskStatusPatch(change: EventStatusChange): PvwaRiskEventPatch {
  const patch: PvwaRiskEventPatch = { status: change.status };
  if (change.closeReason != null) patch.closeReason = change.closeReason === 'NOT_REAL' ? 'NOTREAL' : change.closeReason;
  if (change.reasonText != null) patch.reasonText = change.reasonText;
  return patch;
}

/**
 * Why a value from the PVWA cannot be shown as a RiskEvent, or null when it can: the fields the
 * graph declares non-null. Optional fields are never a reason.
 */
export function riskEventProblem(value: unknown): string | null {
  if (!isObject(value)) return 'not an object';
  if (typeof value.id !== 'string' || value.id === '') return 'id is missing';
  if (typeof value.type !== 'string') return 'type is missing';
  if (pvwaStatus(value.status) === null) return 'its status is neither OPEN nor CLOSED';
  if (pvwaTimeToMs(value.detectionTime) === null) return 'detectionTime is not a time';
  return null;
}

/** Why a summary entry cannot be shown, or null when it can (its attributes are read tolerantly). */
export function riskSummaryProblem(value: unknown): string | null {
  if (!isObject(value)) return 'not an object';
  return typeof value.type === 'string' ? null : 'type is missing';
}

/** The page envelope, checked: `entities` a list and `totalEntities` a count; null otherwise. */
function riskEventPageOf(body: unknown): PvwaRiskEventPage | null {
  if (!isObject(body) || !Array.isArray(body.entities)) return null;
  const total = body.totalEntities;
  return Number.isSafeInteger(total) && (total as number) >= 0 ? { entities: body.entities, totalEntities: total as number } : null;
}

/**
 * The summary's entries: the docs' example is a bare array, their table names it `data`, so both
 * `[...]` and `{"data": [...]}` are read; null for anything else.
 */
function riskSummaryOf(body: unknown): unknown[] | null {
  if (Array.isArray(body)) return body;
  return isObject(body) && Array.isArray(body.data) ? body.data : null;
}

/**
 * A 404 to a GET of the risk API: the PVWA has no such route, so it is older than 13.2 (a risk
 * event's PATCH keeps its 404: that id is unknown). Not retried, like any 404.
 */
function unsupported(error: unknown): unknown {
  if (!(error instanceof PvwaError) || error.failure !== 'status' || error.details.status !== 404) return error;
  return new PvwaError('unsupported', 'This PVWA does not offer risk events: they need PVWA 13.2 or later.', error.details);
}

/** The risk API's calls, shared by every caller; `call` is the client's. */
export class PvwaRisks {
  constructor(
    private readonly call: ClientCall,
    private readonly logger: Logger,
  ) {}

  async getRiskEvents(caller: PvwaCaller, query: RiskEventQuery): Promise<PvwaRiskEventPage> {
    const body = await this.read('getRiskEvents', caller, RISK_EVENTS_PATH + riskEventsSearch(query));
    const page = riskEventPageOf(body);
    if (page === null) throw new PvwaError('bad-response', 'The PVWA answered with something other than a page of risk events.', { status: 200 });
    return page;
  }

  async getRiskSummary(caller: PvwaCaller): Promise<unknown[]> {
    const entries = riskSummaryOf(await this.read('getRiskSummary', caller, RISK_SUMMARY_PATH));
    if (entries === null) throw new PvwaError('bad-response', 'The PVWA answered with something other than a risk summary.', { status: 200 });
    return entries;
  }

  async updateRiskEvent(caller: PvwaCaller, id: string, change: EventStatusChange): Promise<PvwaRiskEvent> {
    const { body } = await this.call('updateRiskEvent', caller, riskEventPath(id), JSON.stringify(riskStatusPatch(change)));
    const problem = riskEventProblem(body);
    if (problem) {
      this.logger.warn({ endpoint: 'updateRiskEvent', problem }, 'PVWA answered the PATCH with something that is not a risk event');
      throw new PvwaError('bad-response', 'The PVWA did not answer with a risk event.', { status: 200 });
    }
    return body as PvwaRiskEvent;
  }

  private async read(endpoint: PvwaEndpoint, caller: PvwaCaller, path: string): Promise<unknown> {
    try {
      return (await this.call(endpoint, caller, path)).body;
    } catch (error) {
      throw unsupported(error);
    }
  }
}
