import type { ServerResponse } from 'node:http';
import { send, type Json } from './respond.js';
import { createDemoVault } from './vault-data.js';

/**
 * The simulated PVWA's Vault side, for responding to an event (docs/pvwa-respond-api.md): account
 * details, the CPM operations (Change, Verify, Reconcile), live PSM sessions and their actions
 * (Terminate, Suspend, Resume), and the logged-on user, with the PVWA's answers: 200 with an empty
 * body for an action, 403 PASWS041E where the caller may not, 400 PASWS143E for a locked password.
 * Demo sessions share the demo Vault; tests give a token its own accounts or live sessions.
 */

const FORBIDDEN = { ErrorCode: 'PASWS041E', ErrorMessage: 'You are not authorized to perform this action.' };
const LOCKED = { ErrorCode: 'PASWS143E', ErrorMessage: 'Password is locked by another user.' };
/** How long the simulated CPM takes to finish what it was asked, in ms. */
const CPM_WORK_MS = 2_000;
/** What a finished CPM operation sets besides the status: the times of what it did, in epoch seconds. */
const CPM_TIMES: Record<string, string[]> = {
  change: ['lastModifiedTime'],
  verify: ['lastVerifiedTime'],
  reconcile: ['lastReconciledTime', 'lastModifiedTime'],
};

/** Users the demo knows by name; any other logs on with a bare record. */
const USER_DETAILS: Record<string, Json> = {
  demo: { FirstName: 'Dana', LastName: 'Demo', Email: 'dana.demo@cybr.com' },
  radius: { FirstName: 'Riley', LastName: 'Radius', Email: 'riley.radius@cybr.com' },
};

/** 200 with an empty body, as the PVWA answers an action. */
function sendEmpty(res: ServerResponse): void {
  res.writeHead(200, { 'content-length': '0' });
  res.end();
}

const notFound = (res: ServerResponse, what: string) => send(res, 404, { ErrorCode: 'SIM404E', ErrorMessage: `${what} was not found.` });

/** What a handler reads of a request (server.ts's RouteRequest). */
interface VaultRequest {
  res: ServerResponse;
  /** The path after the base path, as received (undecoded). */
  path: string;
  /** The route's pattern matched over the lower-case path: [1] is the action, where there is one. */
  match: RegExpExecArray;
  body: string;
  /** The Authorization header as sent. */
  token: string;
}

/** The id in `/API/Accounts/{id}/...` or `/API/LiveSessions/{id}/...`. */
const idOf = (path: string) => decodeURIComponent(path.split('/')[3]);

export class SimulatedVault {
  private readonly demoAccounts: Json[];
  private readonly demoSessions: Json[];
  /** Accounts and live sessions by token, for tokens a test gave their own. */
  private readonly accountSets = new Map<string, Json[]>();
  private readonly sessionSets = new Map<string, Json[]>();
  /** `${token}\n${accountId}`: reads and actions refused with 403. */
  private readonly forbidden = new Set<string>();
  /** `${token}\n${accountId}`: actions refused with 400 PASWS143E. */
  private readonly locked = new Set<string>();
  /** Logged-on users by token; demo-token and tokens given by tests are `demo`. */
  private readonly users = new Map<string, string>();
  /** CPM work asked for and not yet seen finished, by account. */
  private readonly cpmWork = new WeakMap<Json, { operation: string; doneAt: number }>();

  constructor(
    demoEvents: readonly Json[],
    private readonly now: () => number = Date.now,
  ) {
    const demo = createDemoVault(demoEvents);
    this.demoAccounts = demo.accounts;
    this.demoSessions = demo.liveSessions;
  }

  /** Gives `token` its own accounts (copies); the demo accounts otherwise. */
  setAccounts(token: string, accounts: readonly Json[]): void {
    this.accountSets.set(token, structuredClone(accounts) as Json[]);
  }

  /** Gives `token` its own live sessions (copies); the demo sessions otherwise. */
  setLiveSessions(token: string, sessions: readonly Json[]): void {
    this.sessionSets.set(token, structuredClone(sessions) as Json[]);
  }

  /** The accounts `token` sees (the simulator's own list: changes show in later answers). */
  accountsOf(token: string): Json[] {
    return this.accountSets.get(token) ?? this.demoAccounts;
  }

  /** The live sessions `token` sees. */
  liveSessionsOf(token: string): Json[] {
    return this.sessionSets.get(token) ?? this.demoSessions;
  }

  /** Makes the PVWA refuse `token` the account `id` (read and actions) with 403 PASWS041E, as for an account in a safe it may not list. */
  forbidAccount(token: string, id: string): void {
    this.forbidden.add(`${token}\n${id}`);
  }

  /** Makes the PVWA refuse `token`'s CPM operations on account `id` with 400 PASWS143E, as for a password another user has locked. */
  lockAccount(token: string, id: string): void {
    this.locked.add(`${token}\n${id}`);
  }

  /** A logon opened `token` for `username`. */
  signedOn(token: string, username: string): void {
    this.users.set(token, username);
  }

  /** GET /API/Accounts/{id}: the account, with the CPM's work finished when its time came. */
  account({ res, path, token }: VaultRequest): void {
    const id = idOf(path);
    if (this.forbidden.has(`${token}\n${id}`)) return send(res, 403, FORBIDDEN);
    const account = this.accountsOf(token).find((candidate) => candidate.id === id);
    if (!account) return notFound(res, `Account ${id}`);
    this.finishCpmWork(account);
    send(res, 200, account);
  }

  /** POST /API/Accounts/{id}/Change (optional body `{"ChangeEntireGroup": <boolean>}`), /Verify, /Reconcile. */
  accountAction({ res, path, token, body, match }: VaultRequest): void {
    const id = idOf(path);
    const operation = match[1];
    if (body !== '') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        return send(res, 400, { ErrorCode: 'PASWS035E', ErrorMessage: 'The request body is not valid JSON.' });
      }
      const group = (parsed as Json | null)?.ChangeEntireGroup;
      if (typeof parsed !== 'object' || parsed === null || (group !== undefined && typeof group !== 'boolean')) {
        return send(res, 400, { ErrorCode: 'PASWS035E', ErrorMessage: 'ChangeEntireGroup must be true or false.' });
      }
    }
    if (this.forbidden.has(`${token}\n${id}`)) return send(res, 403, FORBIDDEN);
    const account = this.accountsOf(token).find((candidate) => candidate.id === id);
    if (!account) return notFound(res, `Account ${id}`);
    if (this.locked.has(`${token}\n${id}`)) return send(res, 400, LOCKED);
    // The PVWA only marks the account; the CPM works on it afterwards.
    const management = (account.secretManagement ??= {}) as Json;
    management.status = 'inProcess';
    this.cpmWork.set(account, { operation, doneAt: this.now() + CPM_WORK_MS });
    sendEmpty(res);
  }

  /** GET /API/LiveSessions/{id} (by SessionID or SessionGuid): the session in a list, as documented. */
  liveSession({ res, path, token }: VaultRequest): void {
    const session = this.findSession(token, idOf(path));
    if (!session) return notFound(res, `Live session ${idOf(path)}`);
    send(res, 200, { LiveSessions: [session], Total: 1 });
  }

  /** POST /API/LiveSessions/{id}/Terminate, /Suspend, /Resume: refused (403) unless the session's Can* flag allows it. */
  liveSessionAction({ res, path, token, match }: VaultRequest): void {
    const id = idOf(path);
    const session = this.findSession(token, id);
    if (!session) return notFound(res, `Live session ${id}`);
    const action = match[1];
    if ((action === 'terminate' ? session.CanTerminate : session.CanSuspend) !== true) return send(res, 403, FORBIDDEN);
    if (action === 'terminate') {
      const sessions = this.liveSessionsOf(token);
      sessions.splice(sessions.indexOf(session), 1);
    }
    sendEmpty(res);
  }

  /** GET /WebServices/PIMServices.svc/User: who the token belongs to. */
  loggedOnUser({ res, token }: VaultRequest): void {
    const userName = this.users.get(token) ?? 'demo';
    send(res, 200, {
      UserName: userName, ...USER_DETAILS[userName], Source: 'Internal', UserTypeName: 'EPVUser',
      Expired: false, Disabled: false, Suspended: false, AgentUser: false,
    });
  }

  private findSession(token: string, id: string): Json | undefined {
    return this.liveSessionsOf(token).find((session) => session.SessionID === id || session.SessionGuid === id);
  }

  private finishCpmWork(account: Json): void {
    const work = this.cpmWork.get(account);
    if (!work || this.now() < work.doneAt) return;
    this.cpmWork.delete(account);
    const management = account.secretManagement as Json;
    management.status = 'success';
    for (const time of CPM_TIMES[work.operation]) management[time] = Math.floor(work.doneAt / 1000);
  }
}
