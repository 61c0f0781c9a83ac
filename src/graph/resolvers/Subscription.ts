import type { EventChange } from '../../events/types.js';
import type { SecurityEventChangeResolvers, SubscriptionResolvers } from '../generated/resolvers-types.js';
import { eventFilter } from '../filter.js';

export const Subscription: SubscriptionResolvers = {
  securityEventChanged: {
    // The filter is checked (accountId included) before the subscription starts.
    subscribe: (_parent, { filter }, context) => context.subscribeToChanges(eventFilter(filter, { withAccount: true }) ?? (() => true)),
    resolve: (change: EventChange) => change,
  },
};

export const SecurityEventChange: SecurityEventChangeResolvers = {
  event: (change) => change.entry.event,
};
