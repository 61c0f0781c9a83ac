import type { ServerResponse } from 'node:http';
import { IIS_404, send, sendText, type Json } from './respond.js';

/**
 * The simulated PVWA's risk events API (PVWA 13.2+, docs/pta-risk-api.md): the paged list with its
 * `filter` grammar and `sort`, the summary, and the PATCH of a status. What no source states (the
 * sort direction, the PATCH's rules) follows the reference's suggestions, marked INFERRED there.
 */

export interface RiskApiOptions {
  /** false: a PVWA older than 13.2, which has no risk API (404 on its routes). On by default. */
  available?: boolean;
  /** The summary's shape: a bare array (the docs' example; the default) or `{"data": [...]}` (the docs' table). */
  summaryShape?: 'array' | 'data';
}

type Predicate = (risk: Json) => boolean;

const STATUSES = new Set(['OPEN', 'CLOSED']);
const CLOSE_REASONS = new Set(['HANDLED', 'NOTREAL', 'OTHER', 'NONE']);
const SORTS: Record<string, (a: Json, b: Json) => number> = {
  // Newest first, highest first (INFERRED: no source gives a direction); ties by id.
  detectiontime: (a, b) => Number(b.detectionTime) - Number(a.detectionTime) || String(a.id).localeCompare(String(b.id)),
  score: (a, b) => Number(b.score) - Number(a.score) || String(a.id).localeCompare(String(b.id)),
};
/** Each clause of the grammar, and the test it makes (null: a value the PVWA refuses). A value may be quoted or not. */
const CLAUSES: Array<[RegExp, (match: RegExpExecArray) => Predicate | null]> = [
  [/^type\s+eq\s+("?)([^"]*)\1$/i, ([, , type]) => (risk) => risk.type === type],
  [/^status\s+eq\s+("?)([^"]*)\1$/i, ([, , status]) => {
    const wanted = status.toUpperCase();
    return STATUSES.has(wanted) ? (risk) => String(risk.status).toUpperCase() === wanted : null;
  }],
  [/^detectionTime\s+(gte|lte)\s+("?)(\d+)\2$/i, ([, op, , ms]) => (op.toLowerCase() === 'gte'
    ? (risk) => Number(risk.detectionTime) >= Number(ms)
    : (risk) => Number(risk.detectionTime) <= Number(ms))],
  [/^detectionTime\s+BETWEEN\s+("?)(\d+)\1\s+TO\s+("?)(\d+)\3$/i, ([, , from, , to]) => (risk) =>
    Number(risk.detectionTime) >= Number(from) && Number(risk.detectionTime) <= Number(to)],
];

/**
 * A `filter` expression as the PVWA reads it: clauses joined by AND (any case, any order), each
 * `type eq "X"`, `status eq "OPEN"`, `detectionTime gte|lte "<ms>"` or
 * `detectionTime BETWEEN "<ms>" TO "<ms>"`, values quoted or not. The message of its 400 otherwise.
 */
export function parseRiskFilter(expression: string): Predicate | string {
  const predicates: Predicate[] = [];
  for (const clause of expression.trim().split(/\s+AND\s+/i)) {
    let predicate: Predicate | null = null;
    for (const [pattern, make] of CLAUSES) {
      const match = pattern.exec(clause);
      if (match) {
        predicate = make(match);
        break;
      }
    }
    if (predicate === null) return `The filter clause '${clause.slice(0, 100)}' is not valid.`;
    predicates.push(predicate);
  }
  return (risk) => predicates.every((predicate) => predicate(risk));
}

/** A whole number from min to max, or the default when absent; null when invalid. */
function whole(text: string | undefined, min: number, max: number, absent: number): number | null {
  if (text === undefined) return absent;
  const n = Number(text);
  return /^\d+$/.test(text) && n >= min && n <= max ? n : null;
}

export class SimulatedRisks {
  /** Risk events by token; a token without its own sees the demo list. */
  private readonly datasets = new Map<string, Json[]>();
  private options: Required<RiskApiOptions>;

  constructor(
    private readonly demo: Json[],
    options: RiskApiOptions = {},
  ) {
    this.options = { available: true, summaryShape: 'array', ...options };
  }

  configure(options: RiskApiOptions): void {
    this.options = { ...this.options, ...options };
  }

  set(token: string, risks: Json[]): void {
    this.datasets.set(token, risks);
  }

  of(token: string): Json[] {
    return this.datasets.get(token) ?? this.demo;
  }

  /** GET Risks/RisksEvents/: `filter`, `sort`, `page` (from 0), `size` (default 100, at most 1000). */
  list(res: ServerResponse, token: string, query: Record<string, string>): void {
    if (!this.options.available) return sendText(res, 404, IIS_404, 'text/html');
    const page = whole(query.page, 0, 1e9, 0);
    const size = whole(query.size, 1, 1000, 100);
    if (page === null || size === null) return send(res, 400, { ErrorCode: 'SIM400E', ErrorMessage: 'page must be 0 or more and size 1 to 1000.' });
    const order = SORTS[(query.sort ?? 'detectionTime').toLowerCase()];
    if (!order) return send(res, 400, { ErrorCode: 'SIM400E', ErrorMessage: 'sort must be detectionTime or score.' });
    const keep = query.filter !== undefined ? parseRiskFilter(query.filter) : () => true;
    if (typeof keep === 'string') return send(res, 400, { ErrorCode: 'SIM400E', ErrorMessage: keep });
    const matching = this.of(token).filter(keep).sort(order);
    send(res, 200, {
      entities: matching.slice(page * size, (page + 1) * size),
      totalEntities: matching.length,
      totalPages: Math.ceil(matching.length / size),
      page,
      size,
      filter: query.filter ?? null,
      sort: query.sort ?? null,
    });
  }

  /** GET Risks/Summary/: per type, its open risk events counted by the kind of entity involved, and its highest score. */
  summary(res: ServerResponse, token: string): void {
    if (!this.options.available) return sendText(res, 404, IIS_404, 'text/html');
    const byType = new Map<string, { score: number; amounts: Map<string, number> }>();
    for (const risk of this.of(token)) {
      if (risk.status !== 'OPEN') continue;
      const type = String(risk.type);
      const entry = byType.get(type) ?? { score: 0, amounts: new Map<string, number>() };
      entry.score = Math.max(entry.score, Number(risk.score));
      const kind = String((risk.riskAccount as Json | undefined)?.entityType ?? 'ACCOUNT');
      entry.amounts.set(kind, (entry.amounts.get(kind) ?? 0) + 1);
      byType.set(type, entry);
    }
    const summary = [...byType].sort(([a], [b]) => a.localeCompare(b)).map(([type, { score, amounts }]) => ({
      type,
      score,
      attributes: [...amounts].sort(([a], [b]) => a.localeCompare(b)).map(([attributeType, amount]) => ({ attributeType, amount })),
    }));
    send(res, 200, this.options.summaryShape === 'data' ? { data: summary } : summary);
  }

  /**
   * PATCH Risks/RisksEvents/{id} with `{status, closeReason?, reasonText?}`: the updated risk event.
   * INFERRED rules: closeReason and reasonText only with CLOSED, reopening clears them.
   */
  update(res: ServerResponse, token: string, id: string, body: string): void {
    if (!this.options.available) return sendText(res, 404, IIS_404, 'text/html');
    let patch: Json;
    try {
      patch = JSON.parse(body) as Json;
    } catch {
      return send(res, 400, { ErrorCode: 'SIM400E', ErrorMessage: 'The request body is not valid JSON.' });
    }
    const status = typeof patch?.status === 'string' ? patch.status.toUpperCase() : '';
    const { closeReason, reasonText } = patch ?? {};
    let problem: string | null = null;
    if (!STATUSES.has(status)) problem = 'status must be OPEN or CLOSED.';
    else if (closeReason !== undefined && !CLOSE_REASONS.has(String(closeReason))) problem = 'closeReason is invalid.';
    else if (reasonText !== undefined && (typeof reasonText !== 'string' || reasonText.length > 100)) problem = 'reasonText must be a string of at most 100 characters.';
    else if (status === 'OPEN' && (closeReason !== undefined || reasonText !== undefined)) problem = 'closeReason and reasonText are only accepted with CLOSED.';
    if (problem !== null) return send(res, 400, { ErrorCode: 'SIM400E', ErrorMessage: problem });
    const risk = this.of(token).find((candidate) => candidate.id === id);
    if (!risk) return send(res, 404, { ErrorCode: 'SIM404E', ErrorMessage: `Risk event ${id} was not found.` });
    risk.status = status;
    delete risk.closeReason;
    delete risk.reasonText;
    if (closeReason !== undefined) risk.closeReason = closeReason;
    if (reasonText !== undefined) risk.reasonText = reasonText;
    send(res, 200, risk);
  }
}
