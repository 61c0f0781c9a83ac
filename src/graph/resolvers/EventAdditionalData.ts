import { eventIdProblem } from '../../pvwa/paths.js';
import type { PvwaLiveSession } from '../../pvwa/types.js';
import type { EventAdditionalDataResolvers } from '../generated/resolvers-types.js';
import { str, strList, toBoolean, toInt, toMitigationAction } from '../map.js';
import { passThrough } from '../passthrough.js';

// The parent is `additionalData` as the PVWA sent it (free keys, some snake_case), with its event's id.
export const EventAdditionalData: EventAdditionalDataResolvers = {
  mitigationAction: ({ data }) => toMitigationAction(data.mitigationAction),
  sessionIsLive: ({ data }) => toBoolean(data.sessionIsLive),
  matchPatterns: ({ data }) => str(data.matchPatterns),
  sessionIds: ({ data }) => strList(data.sessionIDs),
  station: ({ data }) => str(data.station),
  reason: ({ data }) => str(data.reason),
  vaultUser: ({ data }) => str(data.vault_user),
  aggregationCount: ({ data }) => toInt(data.aggregation_count),
  raw: ({ eventId, data }, _args, context) => passThrough(data, { eventId, field: 'additionalData.raw' }, context),
  // Each distinct id the PVWA's URL rules can carry is read; those that ended, or that the PVWA
  // does not show this session, are left out. Any other failure is the field's error.
  liveSessions: async ({ data }, _args, context) => {
    const ids = [...new Set(strList(data.sessionIDs))].filter((sessionId) => eventIdProblem(sessionId) === null);
    const live: PvwaLiveSession[] = [];
    for (const session of await context.loaders.liveSessions.loadMany(ids)) {
      if (session instanceof Error) throw session;
      if (session !== null && toBoolean(session.IsLive) !== false) live.push(session);
    }
    return live;
  },
};
