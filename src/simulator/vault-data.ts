/**
 * The demo Vault behind the demo events, in the PVWA's real shapes (docs/pvwa-respond-api.md): an
 * account for every `accountId` the events' audits name (camelCase, times in epoch seconds), and a
 * live PSM session for every `sessionIDs` entry of a PSM event PTA saw live (PascalCase). Derived
 * from the events alone, so the same events always give the same Vault.
 */

type Json = Record<string, unknown>;

/** Epoch seconds of an epoch-ms time. */
const seconds = (ms: number) => Math.floor(ms / 1000);
const DAY = 86_400_000;

const isJson = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The user, address and kind of the account an audit names (PTA's `account`). */
function accountNamed(audit: Json): { user: string; address: string; domain: boolean } {
  const account = isJson(audit.account) ? audit.account : {};
  const details = isJson(account.account) ? account.account : {};
  const domain = account.type === 'DOMAIN';
  const target = isJson(details.mTarget) ? details.mTarget : isJson(audit.target) ? audit.target : {};
  return {
    user: typeof details.mUser === 'string' ? details.mUser : 'administrator',
    address: domain ? String(details.mDomain ?? 'cybr.com') : String(target.mOriginalAddress ?? 'localhost'),
    domain,
  };
}

/** The address an audit's side was seen at, as an IP when PTA resolved one. */
function ipOf(side: unknown): string {
  if (!isJson(side)) return '';
  const resolved = isJson(side.mResolvedAddress) ? side.mResolvedAddress : {};
  return String(resolved.mAddress ?? side.mOriginalAddress ?? '');
}

/** The account an audit names, as the PVWA would answer GET /API/Accounts/{id}. */
function accountOf(accountId: string, audit: Json, n: number): Json {
  const { user, address, domain } = accountNamed(audit);
  const created = Number(audit.createTime) - (30 + n) * DAY;
  const platformId = domain ? 'WinDomain' : 'UnixSSH';
  // One account in seven is managed by hand, as the PVWA shows it: no status, a reason.
  const managed = n % 7 !== 3;
  const secretManagement: Json = managed
    ? { automaticManagementEnabled: true, status: 'success', lastModifiedTime: seconds(created + 20 * DAY), lastReconciledTime: seconds(created + 2 * DAY), lastVerifiedTime: seconds(created + 25 * DAY) }
    : { automaticManagementEnabled: false, manualManagementReason: 'NoReason', lastModifiedTime: seconds(created + DAY) };
  return {
    id: accountId,
    name: `Operating System-${platformId}-${address}-${user}`,
    address,
    userName: user,
    platformId,
    safeName: domain ? 'Windows Domain Admins' : 'Linux Root Accounts',
    secretType: 'password',
    platformAccountProperties: domain ? { LogonDomain: address.split('.')[0].toUpperCase() } : { Tags: 'SSH', UseSudoOnReconcile: 'No' },
    secretManagement,
    createdTime: seconds(created),
    categoryModificationTime: seconds(created + DAY),
  };
}

/** The live session PTA's id names, as the PVWA would list it under GET /API/LiveSessions/{id}. */
function liveSessionOf(guid: string, event: Json, n: number): Json {
  const audit: Json = Array.isArray(event.audits) && isJson(event.audits[0]) ? event.audits[0] : {};
  const account = accountNamed(audit);
  const target = isJson(audit.target) ? audit.target : {};
  // One session in three may not be acted on by the demo user (not among its terminators).
  const allowed = n % 3 !== 2;
  return {
    SessionID: `${21 + (n % 9)}_${130 + n}`,
    SessionGuid: guid,
    SafeName: 'PSMRecordings',
    FolderName: 'Root',
    IsLive: true,
    Start: seconds(Number(audit.createTime)),
    User: String(audit.vaultUser ?? 'administrator'),
    AccountUsername: account.user,
    AccountAddress: account.address,
    AccountPlatformID: account.domain ? 'WinDomain' : 'UnixSSH',
    RemoteMachine: String(target.mOriginalAddress ?? ''),
    FromIP: ipOf(audit.source),
    Protocol: 'SSH',
    Client: 'PSM',
    ConnectionComponentID: 'PSM-SSH',
    CanTerminate: allowed,
    CanSuspend: allowed,
    CanMonitor: true,
    RiskScore: event.score,
  };
}

export function createDemoVault(events: readonly Json[]): { accounts: Json[]; liveSessions: Json[] } {
  const accounts = new Map<string, Json>();
  const liveSessions: Json[] = [];
  // Oldest first, so an account takes the shape of the first audit that named it.
  for (const event of [...events].reverse()) {
    for (const audit of Array.isArray(event.audits) ? event.audits : []) {
      if (!isJson(audit) || typeof audit.accountId !== 'string' || accounts.has(audit.accountId)) continue;
      accounts.set(audit.accountId, accountOf(audit.accountId, audit, accounts.size));
    }
    const data = isJson(event.additionalData) ? event.additionalData : {};
    if (String(data.sessionIsLive).toLowerCase() !== 'true' || !Array.isArray(data.sessionIDs)) continue;
    for (const guid of data.sessionIDs) if (typeof guid === 'string') liveSessions.push(liveSessionOf(guid, event, liveSessions.length));
  }
  return { accounts: [...accounts.values()], liveSessions };
}
