import { CLOSE_REASONS, NEWEST, seeded } from './data.js';

/**
 * Deterministic demo risk events for the simulator, from a seed, in the PVWA's shapes as far as
 * they are known (docs/pta-risk-api.md, 3.2): string ids of 24 hex characters, `status` (not
 * `mStatus`), `detectionTime` in epoch ms, float scores, closeReason and reasonText on some closed
 * ones. The shapes of `riskAccount` and `riskService` are not documented anywhere: the small objects
 * below are made up (INFERRED), and the gateway passes them through whatever they hold.
 */

type Json = Record<string, unknown>;

const RISK_TYPES = ['RISK_RISKY_SPN', 'RISK_UNCONSTRAINED_DELEGATION'] as const;
/** The kinds of entity the summary counts (its `attributeType`); MACHINE is inferred. */
const ENTITY_TYPES = ['ACCOUNT', 'PRIVILEGED_ACCOUNT', 'MACHINE'] as const;
const ACCOUNTS = ['svc_sql', 'svc_backup', 'svc_web', 'administrator', 'sp_farm', 'app04$', 'files05$'];
const HOSTS = ['dc01', 'db02', 'web03', 'app04', 'files05'];
const SERVICES = ['MSSQLSvc', 'HTTP', 'CIFS', 'HOST', 'ldap'];
const DOMAIN = 'cybr.com';

/** Detection times count back from NEWEST (2026-01-01), so they do not depend on the clock. */
export function createDemoRisks(count = 130, seed = 20_230_727): Json[] {
  const { random, pick, hex } = seeded(seed);

  const risks: Json[] = [];
  let detected = NEWEST;
  for (let i = 0; i < count; i++) {
    detected -= 60_000 + Math.floor(random() * 6 * 3_600_000);
    const type = pick(RISK_TYPES);
    const entityType = pick(ENTITY_TYPES);
    const host = pick(HOSTS);
    const risk: Json = {
      id: `${Math.floor(detected / 1000).toString(16).padStart(8, '0')}${hex(16)}`,
      type,
      status: random() < 0.7 ? 'OPEN' : 'CLOSED',
      detectionTime: detected,
      // Floats, as the summary's 70.0 and the security events' scores suggest.
      score: Math.round(random() * 6400) / 64,
      riskAccount: { accountName: entityType === 'MACHINE' ? `${host}$` : pick(ACCOUNTS), domain: DOMAIN, entityType },
    };
    // A risky SPN names its service; for delegation, some risks have none to name.
    if (type === 'RISK_RISKY_SPN') risk.riskService = { spn: `${pick(SERVICES)}/${host}.${DOMAIN}` };
    else if (random() < 0.5) risk.riskService = { host: `${host}.${DOMAIN}`, delegation: 'unconstrained' };
    if (risk.status === 'CLOSED' && random() < 0.8) {
      risk.closeReason = pick(CLOSE_REASONS);
      risk.reasonText = 'Reviewed by the SOC';
    }
    risks.push(risk);
  }
  return risks;
}
