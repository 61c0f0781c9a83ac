import type { RecordedRequest, Simulator } from '../../src/simulator/server.js';

type Json = Record<string, any>;

/**
 * The tests' Vault objects in the PVWA's shapes (docs/pvwa-respond-api.md), and the calls the
 * simulator received for them. Give a token them with `sim.vault.setAccounts` / `setLiveSessions`.
 */

/** `n` accounts of `owner` with the ids eventsFor's audits name (`0_1`, `1_1`, ...) and names `${owner}-${i}`. */
export function accountsFor(owner: string, n: number): Json[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${i}_1`,
    name: `${owner}-${i}`,
    address: `${owner}.example.com`,
    userName: `user${i}`,
    platformId: 'UnixSSH',
    safeName: `${owner}-safe`,
    secretType: 'password',
    secretManagement: { automaticManagementEnabled: true, status: 'success', lastModifiedTime: 1_700_000_000 },
    createdTime: 1_690_000_000,
  }));
}

/** A live session as GET /API/LiveSessions/{id} lists it. */
export function liveSession(sessionId: string, guid: string, overrides: Json = {}): Json {
  return {
    SessionID: sessionId, SessionGuid: guid, IsLive: true, Start: 1_700_000_000, User: 'jdoe', AccountUsername: 'root',
    AccountAddress: '10.0.0.15', RemoteMachine: '10.0.0.15', FromIP: '10.0.1.20', Protocol: 'SSH', Client: 'PSM',
    CanTerminate: true, CanSuspend: true, CanMonitor: true, ...overrides,
  };
}

const calls = (sim: Simulator, pattern: RegExp, method?: string): RecordedRequest[] =>
  sim.requests.filter((r) => pattern.test(r.path) && (!method || r.method === method));

/** The requests to /API/Accounts/ the simulator received. */
export const accountCalls = (sim: Simulator, method?: string) => calls(sim, /\/api\/accounts\//i, method);

/** The requests to /API/LiveSessions/ the simulator received. */
export const liveSessionCalls = (sim: Simulator, method?: string) => calls(sim, /\/api\/livesessions\//i, method);
