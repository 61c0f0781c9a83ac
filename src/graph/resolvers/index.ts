import { DateTimeResolver, JSONObjectResolver } from 'graphql-scalars';
import type { Resolvers } from '../generated/resolvers-types.js';
import { SessionLimits } from '../session-limits.js';
import { Account } from './Account.js';
import { Audit } from './Audit.js';
import { SecurityEventConnection } from './Connection.js';
import { EventAdditionalData } from './EventAdditionalData.js';
import { LogonResult, mutationResolvers } from './Mutation.js';
import { NetworkAddress, ResolvedAddress } from './NetworkAddress.js';
import { LiveSession } from './LiveSession.js';
import { Query } from './Query.js';
import { respondMutation, respondQuery } from './respond.js';
import { RiskEvent, RiskEventConnection, RiskSummary } from './RiskEvent.js';
import { riskMutation, riskQuery } from './Risks.js';
import { SecurityEvent } from './SecurityEvent.js';
import { securityEventStats, SecurityEventStats } from './SecurityEventStats.js';
import { SecurityEventChange, Subscription } from './Subscription.js';
import { SecretManagement, VaultAccount } from './VaultAccount.js';
import { VaultUser } from './VaultUser.js';

/**
 * The resolvers; the bulk mutation's bounds come from the configuration, and `now` (epoch ms,
 * Date.now by default) is the clock of securityEventStats' "today".
 */
export function createResolvers(options: { bulkMaxIds: number; bulkConcurrency: number; now?: () => number }): Resolvers {
  return {
    DateTime: DateTimeResolver,
    JSONObject: JSONObjectResolver,
    Query: { ...Query, securityEventStats: securityEventStats(options.now ?? Date.now), ...respondQuery, ...riskQuery },
    Mutation: { ...mutationResolvers({ maxIds: options.bulkMaxIds, limits: new SessionLimits(options.bulkConcurrency) }), ...respondMutation, ...riskMutation },
    Subscription,
    SecurityEventChange,
    LogonResult,
    SecurityEvent,
    Audit,
    Account,
    NetworkAddress,
    ResolvedAddress,
    EventAdditionalData,
    SecurityEventConnection,
    SecurityEventStats,
    VaultAccount,
    SecretManagement,
    LiveSession,
    VaultUser,
    RiskEvent,
    RiskEventConnection,
    RiskSummary,
  };
}
