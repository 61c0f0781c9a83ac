/**
 * The JSON of the PVWA's risk events API (PVWA 13.2+; 14.0 adds the detection window,
 * `closeReason` and `reasonText`), as docs/pta-risk-api.md knows it. Like the security events'
 * types (types.ts), only the fields `riskEventProblem` (risks.ts) checks are sure; the mappers read
 * every other one tolerantly.
 */

import type { PvwaCloseReason, PvwaEventStatus } from './types.js';

/** One risk event, an item of `entities` and the answer of its PATCH. */
export interface PvwaRiskEvent {
  id: string;
  /** An open set; known: RISK_UNCONSTRAINED_DELEGATION, RISK_RISKY_SPN. */
  type: string;
  /** "OPEN" | "CLOSED" (not `mStatus`); compared case-insensitively. */
  status: string;
  /** Epoch milliseconds. */
  detectionTime: number | string;
  score?: number;
  closeReason?: string;
  reasonText?: string;
  /** Undocumented shape: passed through as sent. */
  riskAccount?: Record<string, unknown>;
  /** Undocumented shape: passed through as sent. */
  riskService?: Record<string, unknown>;
}

/**
 * The answer of GET /API/pta/API/Risks/RisksEvents/ once checked: the page's items (each
 * unchecked) and how many match across all pages. The PVWA also sends totalPages (and, it seems,
 * echoes filter, sort, page and size); the gateway does not need them.
 */
export interface PvwaRiskEventPage {
  entities: unknown[];
  totalEntities: number;
}

/** One attribute of a risk summary: how many open risk events of the type involve this kind of entity. */
export interface PvwaRiskSummaryAttribute {
  /** ACCOUNT, PRIVILEGED_ACCOUNT, probably MACHINE: an open set. */
  attributeType?: string;
  amount?: number;
}

/** One entry of GET /API/pta/API/Risks/Summary/: a risk type, its score, its attributes. */
export interface PvwaRiskSummary {
  type: string;
  score?: number;
  attributes?: PvwaRiskSummaryAttribute[];
}

/** Body of PATCH /API/pta/API/Risks/RisksEvents/{id}: the key is `status`, not the security events' `mStatus`. */
export interface PvwaRiskEventPatch {
  status: PvwaEventStatus;
  closeReason?: PvwaCloseReason;
  reasonText?: string;
}

/** How a risk event list is sorted (the PVWA's `sort`: detectionTime or score; no direction is known). */
export type RiskEventSort = 'DETECTION_TIME' | 'SCORE';

/**
 * Which risk events, in which order, in the gateway's terms. The client alone turns it into the
 * PVWA's `filter` expression and `sort` (risks.ts, `riskEventsSearch`).
 */
export interface RiskEventList {
  type?: string;
  status?: PvwaEventStatus;
  /** Epoch ms, inclusive. */
  detectedFrom?: number;
  /** Epoch ms, inclusive. */
  detectedTo?: number;
  sort: RiskEventSort;
}

/** One PVWA page of a list: `page` from 0, `size` 1 to 1000. */
export interface RiskEventQuery extends RiskEventList {
  page: number;
  size: number;
}
