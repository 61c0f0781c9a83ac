import { DateTimeResolver, JSONObjectResolver } from 'graphql-scalars';
import type { Resolvers } from '../generated/resolvers-types.js';
import { Account } from './Account.js';
import { Audit } from './Audit.js';
import { SecurityEventConnection } from './Connection.js';
import { EventAdditionalData } from './EventAdditionalData.js';
import { LogonResult, mutationResolvers } from './Mutation.js';
import { NetworkAddress, ResolvedAddress } from './NetworkAddress.js';
import { Query } from './Query.js';
import { RiskEvent, RiskEventConnection, RiskSummary } from './RiskEvent.js';
import { riskMutation, riskQuery } from './Risks.js';
import { SecurityEvent } from './SecurityEvent.js';
import { SecurityEventChange, Subscription } from './Subscription.js';

/** The resolvers; the bulk mutation's bounds come from the configuration. */
export function createResolvers(options: { bulkMaxIds: number; bulkConcurrency: number }): Resolvers {
  return {
    DateTime: DateTimeResolver,
    JSONObject: JSONObjectResolver,
    Query: { ...Query, ...riskQuery },
    Mutation: { ...mutationResolvers({ maxIds: options.bulkMaxIds, concurrency: options.bulkConcurrency }), ...riskMutation },
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
    RiskEvent,
    RiskEventConnection,
    RiskSummary,
  };
}
