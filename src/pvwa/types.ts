/**
 * The PVWA's JSON, as really returned (see docs/pvwa-pta-api.md).
 *
 * Required fields are the ones `eventProblem` (validate.ts) checks before an event enters the graph; every other
 * field is typed as documented but may be missing or of another type at run time, so the mappers
 * read them through the guards in graph/map.ts rather than trusting these types.
 */

import type { LogonMethod } from './paths.js';

export type PvwaEventStatus = 'OPEN' | 'CLOSED';
export type PvwaCloseReason = 'HANDLED' | 'NOTREAL' | 'OTHER' | 'NONE';

export interface PvwaResolvedAddress {
  mOriginalAddress?: string;
  mAddress?: string;
  mHostName?: string;
  mFqdn?: string;
}

export interface PvwaAddress {
  mOriginalAddress?: string;
  mResolvedAddress?: PvwaResolvedAddress;
}

/** `account.account`: DOMAIN accounts carry mDomain/spnList, LOCAL_UNIX ones mTarget. */
export interface PvwaAccountDetails {
  mUser?: string;
  mDomain?: string;
  spnList?: string[];
  mTarget?: PvwaAddress;
}

export interface PvwaAccount {
  accountAsStr?: string;
  type?: string;
  account?: PvwaAccountDetails;
}

export interface PvwaAudit {
  id: string | number;
  type: string;
  createTime: number | string;
  sensorType?: string;
  action?: string;
  psmCommand?: string;
  vaultUser?: string;
  accountId?: string | number;
  account?: PvwaAccount;
  source?: PvwaAddress;
  target?: PvwaAddress;
  cloudData?: Record<string, unknown>;
}

/** Free keys; seen: station, reason, vault_user, aggregation_count, matchPatterns, ... */
export type PvwaAdditionalData = Record<string, unknown>;

export interface PvwaEvent {
  id: string;
  type: string;
  score: number;
  createTime: number | string;
  lastUpdateTime: number | string;
  /** "OPEN" | "CLOSED" in every response seen; compared case-insensitively. */
  mStatus: string;
  closeReason?: string;
  reasonText?: string;
  audits?: PvwaAudit[];
  additionalData?: PvwaAdditionalData;
}

/**
 * A status change in the gateway's terms (the graph's enum values). Resolvers pass this; the
 * client alone turns it into the PVWA's body (`statusPatch`).
 */
export interface EventStatusChange {
  status: 'OPEN' | 'CLOSED';
  closeReason?: 'HANDLED' | 'NOT_REAL' | 'OTHER' | 'NONE' | null;
  reasonText?: string | null;
}

/**
 * A logon in the gateway's terms (the graph's method names). The client alone builds the PVWA's
 * path and body from it. With `cookies` it answers a challenge: the PVWA's cookies of that
 * challenge go back with it, and the body is only `{username, password}`.
 */
export interface LogonRequest {
  method: LogonMethod;
  username: string;
  /** The password, or the answer to a challenge (a one-time code). */
  password: string;
  concurrentSession?: boolean;
  /** `name=value` pairs from the challenge's answer. */
  cookies?: string[];
}

/** What the PVWA answered a logon: a session token, or a challenge (RADIUS, ITATS542I). */
export type LogonAnswer =
  | { token: string }
  | { challenge: string; cookies: string[] };

/** Body of POST /API/auth/{method}/Logon. */
export interface PvwaLogonBody {
  username: string;
  password: string;
  concurrentSession?: boolean;
}

/** Body of PATCH /API/pta/API/Events/{id}. */
export interface PvwaEventPatch {
  mStatus: PvwaEventStatus;
  closeReason?: PvwaCloseReason;
  reasonText?: string;
}

/** Query of GET /API/pta/API/Events/ (PVWA 11.3+; accountID 11.4+). */
export interface PvwaEventQuery {
  /** Epoch milliseconds. */
  fromUpdateDate?: number;
  status?: PvwaEventStatus;
  accountID?: string;
}

/** The PVWA's JSON error body. */
export interface PvwaErrorBody {
  ErrorCode?: string;
  ErrorMessage?: string;
  Details?: unknown;
}

/**
 * The Vault objects a console responds with (see docs/pvwa-respond-api.md): an account, a live
 * PSM session, the logged-on user. Their times are epoch SECONDS, unlike PTA's milliseconds.
 */

/** `secretManagement` of an account: the CPM's state of its credentials. */
export interface PvwaSecretManagement {
  automaticManagementEnabled?: boolean;
  /** Only when automatic management is off. */
  manualManagementReason?: string;
  /** Seen: "success", "inProcess"; "failure". */
  status?: string;
  lastModifiedTime?: number;
  lastReconciledTime?: number;
  lastVerifiedTime?: number;
}

/** GET /API/Accounts/{id} (10.4+). Optional members are omitted, not null. */
export interface PvwaVaultAccount {
  /** Checked by pvwa/vault.ts before the account enters the graph. */
  id: string | number;
  name?: string;
  address?: string;
  userName?: string;
  platformId?: string;
  safeName?: string;
  /** "password" or "key". */
  secretType?: string;
  /** Free keys, per platform. */
  platformAccountProperties?: Record<string, unknown>;
  secretManagement?: PvwaSecretManagement;
  createdTime?: number;
  categoryModificationTime?: number;
}

/** One live PSM session (GET /API/LiveSessions/{id}, 10.6+); PascalCase, as the PVWA sends it. */
export interface PvwaLiveSession {
  /** A Vault file id such as `29_138`; one of SessionID and SessionGuid is checked by pvwa/vault.ts. */
  SessionID?: string;
  SessionGuid?: string;
  IsLive?: boolean;
  /** Whether the caller may act on it: per caller, for the console's buttons. */
  CanTerminate?: boolean;
  CanSuspend?: boolean;
  CanMonitor?: boolean;
  /** The Vault user who opened it. */
  User?: string;
  AccountUsername?: string;
  AccountAddress?: string;
  AccountPlatformID?: string;
  RemoteMachine?: string;
  FromIP?: string;
  Protocol?: string;
  Client?: string;
  SafeName?: string;
  ConnectionComponentID?: string;
  Start?: number;
  End?: number;
}

/** GET /WebServices/PIMServices.svc/User: the user the token belongs to. */
export interface PvwaLoggedOnUser {
  /** Checked by pvwa/vault.ts. */
  UserName: string;
  FirstName?: string;
  LastName?: string;
  Email?: string;
  Source?: string;
  UserTypeName?: string;
  Expired?: boolean;
  Disabled?: boolean;
  Suspended?: boolean;
  AgentUser?: boolean;
}

/** A CPM operation on an account's credentials, in the gateway's terms (the graph's enum). */
export type CredentialsAction = 'CHANGE' | 'VERIFY' | 'RECONCILE';

/** A PSM action on a live session, in the gateway's terms (the graph's enum). */
export type LiveSessionAction = 'TERMINATE' | 'SUSPEND' | 'RESUME';

/** Body of POST /API/Accounts/{id}/Change (Gen2; not the Gen1 `ChangeCredsForGroup`). */
export interface PvwaChangeBody {
  ChangeEntireGroup: boolean;
}
