import { DateTimeResolver, JSONObjectResolver } from 'graphql-scalars';
import type { Resolvers } from '../generated/resolvers-types.js';
import { Account } from './Account.js';
import { Audit } from './Audit.js';
import { PageInfo, SecurityEventConnection } from './Connection.js';
import { EventAdditionalData } from './EventAdditionalData.js';
import { LogonResult, Mutation } from './Mutation.js';
import { NetworkAddress, ResolvedAddress } from './NetworkAddress.js';
import { Query } from './Query.js';
import { SecurityEvent } from './SecurityEvent.js';

export const resolvers: Resolvers = {
  DateTime: DateTimeResolver,
  JSONObject: JSONObjectResolver,
  Query,
  Mutation,
  LogonResult,
  SecurityEvent,
  Audit,
  Account,
  NetworkAddress,
  ResolvedAddress,
  EventAdditionalData,
  SecurityEventConnection,
  PageInfo,
};
