import type { LiveChange } from '../../sessions/live.js';
import type { SubscriptionResolvers } from '../generated/resolvers-types.js';
import { eventFilter } from '../filter.js';

export const Subscription: SubscriptionResolvers = {
  securityEventChanged: {
    // The filter is checked (accountId included) before the subscription starts.
    subscribe: (_parent, { filter }, context) => context.subscribeToChanges(eventFilter(filter, { withAccount: true }) ?? (() => true)),
    resolve: (change: LiveChange) => change,
  },
};
