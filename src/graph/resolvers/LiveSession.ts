import type { LiveSessionResolvers } from '../generated/resolvers-types.js';
import { id, str, toBoolean, toVaultTime } from '../map.js';

// The parent is one session as the PVWA answered GET /API/LiveSessions/{id} (PascalCase; one of
// SessionID and SessionGuid checked by pvwa/vault.ts). The Can* flags are the PVWA's answer for
// this caller: anything but true is false.
export const LiveSession: LiveSessionResolvers = {
  id: (session) => (id(session.SessionID) ?? id(session.SessionGuid))!,
  guid: (session) => id(session.SessionGuid),
  user: (session) => str(session.User),
  accountUserName: (session) => str(session.AccountUsername),
  accountAddress: (session) => str(session.AccountAddress),
  remoteMachine: (session) => str(session.RemoteMachine),
  fromIp: (session) => str(session.FromIP),
  protocol: (session) => str(session.Protocol),
  client: (session) => str(session.Client),
  startTime: (session) => toVaultTime(session.Start),
  canTerminate: (session) => toBoolean(session.CanTerminate) === true,
  canSuspend: (session) => toBoolean(session.CanSuspend) === true,
  canMonitor: (session) => toBoolean(session.CanMonitor) === true,
};
