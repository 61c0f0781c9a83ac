import { GraphQLError } from 'graphql';
import { DateTimeResolver, JSONObjectResolver } from 'graphql-scalars';

// The gateway's mapping (src/graph/map.ts and src/graph/resolvers/*.ts), written plainly: the
// PVWA's m-prefixed names to the graph's, epoch times to DateTime, NOTREAL <-> NOT_REAL.

const str = (value) => (typeof value === 'string' ? value : null);
const id = (value) => (typeof value === 'string' ? value : typeof value === 'number' && Number.isFinite(value) ? String(value) : null);
const strList = (value) => (Array.isArray(value) ? value.filter((item) => typeof item === 'string') : typeof value === 'string' ? [value] : []);
const obj = (value) => (typeof value === 'object' && value !== null && !Array.isArray(value) ? value : null);

/** A PVWA time in epoch ms; a number below 1e11 is seconds. */
function toMs(value) {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n)) return null;
  return Math.abs(n) < 1e11 ? Math.round(n * 1000) : n;
}
const toDate = (value) => {
  const ms = toMs(value);
  return ms === null ? null : new Date(ms);
};
const upper = (value) => (typeof value === 'string' ? value.toUpperCase() : null);

function toCloseReason(value) {
  const reason = upper(value);
  if (reason === 'NOTREAL') return 'NOT_REAL';
  return reason === 'HANDLED' || reason === 'NOT_REAL' || reason === 'OTHER' || reason === 'NONE' ? reason : null;
}
function toBoolean(value) {
  if (typeof value === 'boolean') return value;
  const lower = typeof value === 'string' ? value.toLowerCase() : null;
  return lower === 'true' ? true : lower === 'false' ? false : null;
}
function toInt(value) {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isInteger(n) && n >= -(2 ** 31) && n <= 2 ** 31 - 1 ? n : null;
}

// Cursors: the base64 of the event's index in the sorted list.
const encodeCursor = (index) => Buffer.from(String(index)).toString('base64');
function decodeCursor(cursor) {
  const index = Number(Buffer.from(cursor, 'base64').toString());
  if (!Number.isInteger(index) || index < 0) throw new GraphQLError('Invalid cursor', { extensions: { code: 'BAD_USER_INPUT' } });
  return index;
}

export const resolvers = {
  DateTime: DateTimeResolver,
  JSONObject: JSONObjectResolver,

  Query: {
    async securityEvents(_parent, { first, after }, { dataSources }) {
      if (!Number.isInteger(first) || first < 1 || first > 500) {
        throw new GraphQLError('`first` must be between 1 and 500.', { extensions: { code: 'BAD_USER_INPUT' } });
      }
      // The whole list on every request, newest lastUpdateTime first, then the slice asked for.
      const events = await dataSources.pvwa.getEvents();
      const sorted = [...events].sort((a, b) => toMs(b.lastUpdateTime) - toMs(a.lastUpdateTime));
      const start = after ? decodeCursor(after) + 1 : 0;
      const page = sorted.slice(start, start + first);
      const edges = page.map((node, i) => ({ cursor: encodeCursor(start + i), node }));
      return {
        edges,
        nodes: page,
        totalCount: sorted.length,
        pageInfo: {
          hasNextPage: start + page.length < sorted.length,
          hasPreviousPage: start > 0,
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges.at(-1)?.cursor ?? null,
        },
      };
    },
  },

  Mutation: {
    updateEventStatus(_parent, { id, status, closeReason, reasonText }, { dataSources }) {
      if (status !== 'CLOSED' && (closeReason != null || reasonText != null)) {
        throw new GraphQLError('`closeReason` and `reasonText` are only accepted with `status: CLOSED`.', { extensions: { code: 'BAD_USER_INPUT' } });
      }
      if (reasonText != null && reasonText.length > 100) {
        throw new GraphQLError('`reasonText` must be at most 100 characters long.', { extensions: { code: 'BAD_USER_INPUT' } });
      }
      const patch = { mStatus: status };
      if (closeReason != null) patch.closeReason = closeReason === 'NOT_REAL' ? 'NOTREAL' : closeReason;
      if (reasonText != null) patch.reasonText = reasonText;
      return dataSources.pvwa.updateEvent(id, patch);
    },
  },

  SecurityEvent: {
    status: (event) => upper(event.mStatus),
    createTime: (event) => toDate(event.createTime),
    lastUpdateTime: (event) => toDate(event.lastUpdateTime),
    closeReason: (event) => toCloseReason(event.closeReason),
    reasonText: (event) => str(event.reasonText),
    audits: (event) => (Array.isArray(event.audits) ? event.audits : []),
    additionalData: (event) => obj(event.additionalData) ?? {},
  },

  Audit: {
    id: (audit) => id(audit.id),
    sensorType: (audit) => str(audit.sensorType),
    action: (audit) => str(audit.action),
    psmCommand: (audit) => str(audit.psmCommand),
    createTime: (audit) => toDate(audit.createTime),
    vaultUser: (audit) => str(audit.vaultUser),
    accountId: (audit) => id(audit.accountId),
    account: (audit) => obj(audit.account),
    source: (audit) => obj(audit.source),
    target: (audit) => obj(audit.target),
  },

  // `account.account` holds the details: mUser, and mDomain/spnList or mTarget.
  Account: {
    asString: (account) => str(account.accountAsStr),
    type: (account) => str(account.type),
    user: (account) => str(obj(account.account)?.mUser),
    domain: (account) => str(obj(account.account)?.mDomain),
    spnList: (account) => strList(obj(account.account)?.spnList),
    target: (account) => obj(obj(account.account)?.mTarget),
  },

  NetworkAddress: {
    originalAddress: (address) => str(address.mOriginalAddress),
    resolved: (address) => obj(address.mResolvedAddress),
  },

  ResolvedAddress: {
    originalAddress: (resolved) => str(resolved.mOriginalAddress),
    address: (resolved) => str(resolved.mAddress),
    hostName: (resolved) => str(resolved.mHostName),
    fqdn: (resolved) => str(resolved.mFqdn),
  },

  // The parent is `additionalData` as the PVWA sent it.
  EventAdditionalData: {
    mitigationAction: (data) => {
      const action = upper(data.mitigationAction);
      return action === 'TERMINATE' || action === 'SUSPEND' ? action : null;
    },
    sessionIsLive: (data) => toBoolean(data.sessionIsLive),
    matchPatterns: (data) => str(data.matchPatterns),
    sessionIds: (data) => strList(data.sessionIDs),
    station: (data) => str(data.station),
    reason: (data) => str(data.reason),
    vaultUser: (data) => str(data.vault_user),
    aggregationCount: (data) => toInt(data.aggregation_count),
    raw: (data) => data,
  },
};
