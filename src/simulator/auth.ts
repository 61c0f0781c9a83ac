import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ERROR_401, parseCookies, send, type Json } from './respond.js';

/**
 * The simulated PVWA's authentication: Logon (CyberArk, LDAP, Windows, and RADIUS with its
 * one-time-code challenge) and Logoff, with the PVWA's answers and error codes.
 */

export const DEMO_TOKEN = 'demo-token';

/** A user of the simulator. With `codes`, a RADIUS user: each code is asked in turn after the password. */
export interface SimulatorUser {
  username: string;
  password: string;
  /** RADIUS only: the one-time codes asked in turn (each a challenge, ITATS542I). */
  codes?: string[];
}

/** Logs on with CyberArk, LDAP or Windows. */
export const DEMO_USER: SimulatorUser = { username: 'demo', password: 'demo' };
/** Logs on with RADIUS: the password is answered with a challenge, the one-time code with a token. */
export const RADIUS_USER: SimulatorUser = { username: 'radius', password: 'radius', codes: ['123456'] };

/** The web session cookie of IIS and the load balancer's, which a RADIUS challenge is tied to. */
const SESSION_COOKIE = 'ASP.NET_SessionId';
const BALANCER_COOKIE = 'BIGipServerPVWA';

/** What authentication does to the simulator's sessions: a token opens one, Logoff ends it. */
export interface SessionBook {
  open(token: string, username: string): void;
  has(token: string): boolean;
  end(token: string): void;
}

export class SimulatedAuth {
  private readonly users = new Map<string, SimulatorUser>([[DEMO_USER.username, DEMO_USER], [RADIUS_USER.username, RADIUS_USER]]);
  /** RADIUS challenges waiting for a code, by web session id. */
  private readonly challenges = new Map<string, { username: string; balancer: string; codes: string[] }>();

  /** Tokens ended in this process (logoff, revoked): never accepted again, derived or not. */
  private readonly ended = new Set<string>();

  /** `tokenSecret`: tokens are derived from it, and accepted by any simulator with the same one (SimulatorOptions). */
  constructor(
    private readonly sessions: SessionBook,
    private readonly tokenSecret?: Buffer,
  ) {}

  /**
   * Whether `token` is a session: one this simulator opened, or one derived from its token secret
   * (issued before a restart), which is opened again as it is first used.
   */
  accepts(token: string): boolean {
    if (this.sessions.has(token)) return true;
    const username = this.derivedUser(token);
    if (username === null || this.ended.has(token)) return false;
    this.sessions.open(token, username);
    return true;
  }

  /** Ends a session: its token gets 401 from now on. */
  end(token: string): void {
    this.ended.add(token);
    this.sessions.end(token);
  }

  /** Adds (or replaces) a user that can log on. */
  addUser(user: SimulatorUser): void {
    this.users.set(user.username, structuredClone(user));
  }

  /**
   * Logon as a PVWA does it. A wrong password is 403 ITATS127E, or 401 PASWS013E for RADIUS. A
   * RADIUS user's right password is answered 500 ITATS542I with a prompt and the web session
   * cookies; the next POST with the one-time code and those cookies gets the token (or the next
   * challenge); without the cookies the code is just a wrong password.
   */
  logon(req: IncomingMessage, res: ServerResponse, method: string, body: string): void {
    let credentials: Json;
    try {
      credentials = JSON.parse(body) as Json;
    } catch {
      return send(res, 400, { ErrorCode: 'PASWS035E', ErrorMessage: 'The request body is not valid JSON.' });
    }
    const username = String(credentials?.username);
    const refuse = () =>
      method === 'radius'
        ? send(res, 401, { ErrorCode: 'PASWS013E', ErrorMessage: `Authentication failure for User [${username}].` })
        : send(res, 403, { ErrorCode: 'ITATS127E', ErrorMessage: `Authentication failure for User [${username}].` });
    const user = this.users.get(username);
    if (!user || (method === 'radius') !== (user.codes !== undefined)) return refuse();

    if (method === 'radius') {
      const cookies = parseCookies(req.headers.cookie);
      const sessionId = cookies.get(SESSION_COOKIE) ?? '';
      const pending = this.challenges.get(sessionId);
      if (pending && pending.username === username && pending.balancer === cookies.get(BALANCER_COOKIE)) {
        if (credentials.password !== pending.codes[0]) {
          this.challenges.delete(sessionId);
          return refuse();
        }
        pending.codes.shift();
        if (pending.codes.length > 0) return this.challenge(res, sessionId, pending.balancer, 'Enter the next one-time code.');
        this.challenges.delete(sessionId);
        return this.issueToken(res, username);
      }
      if (credentials.password !== user.password) return refuse();
      const id = randomBytes(12).toString('hex');
      const balancer = `${randomBytes(4).readUInt32BE()}.20480.0000`;
      this.challenges.set(id, { username, balancer, codes: [...(user.codes ?? [])] });
      return this.challenge(res, id, balancer, 'Enter the one-time code from your authenticator app.');
    }
    if (credentials.password !== user.password) return refuse();
    this.issueToken(res, username);
  }

  /** POST /API/Auth/Logoff: ends the token's session (the demo token survives it). */
  logoff(req: IncomingMessage, res: ServerResponse): void {
    const token = req.headers.authorization ?? '';
    if (!this.accepts(token)) return send(res, 401, ERROR_401);
    if (token !== DEMO_TOKEN) this.end(token);
    send(res, 200, {});
  }

  /** The RADIUS challenge: HTTP 500, ITATS542I with the prompt, and the web session's cookies. */
  private challenge(res: ServerResponse, sessionId: string, balancer: string, prompt: string): void {
    const text = JSON.stringify({ ErrorCode: 'ITATS542I', ErrorMessage: prompt });
    res.writeHead(500, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'set-cookie': [`${SESSION_COOKIE}=${sessionId}; path=/; HttpOnly; SameSite=Lax`, `${BALANCER_COOKIE}=${balancer}; path=/; Httponly; Secure`],
    });
    res.end(text);
  }

  private issueToken(res: ServerResponse, username: string): void {
    // Opaque like a self-hosted PVWA's token: base64 of "GUID;hex;hex;". With a token secret the
    // second part is the MAC of the first and the third (the user name), so it can be checked later.
    const id = randomUUID();
    const user = Buffer.from(username, 'utf8').toString('hex');
    const mac = this.tokenSecret ? this.mac(id, user).toString('hex') : randomBytes(32).toString('hex');
    const token = Buffer.from(`${id};${mac};${this.tokenSecret ? user : randomBytes(16).toString('hex')};`).toString('base64');
    this.sessions.open(token, username);
    // The answer is a bare JSON string.
    send(res, 200, token);
  }

  private mac(id: string, user: string): Buffer {
    return createHmac('sha256', this.tokenSecret!).update(`${id};${user}`).digest();
  }

  /** The user name of a token derived from the token secret; null for any other token. */
  private derivedUser(token: string): string | null {
    if (!this.tokenSecret || token.length > 1024) return null;
    const parts = Buffer.from(token, 'base64').toString('utf8').split(';');
    if (parts.length !== 4 || parts[3] !== '' || !/^[0-9a-f]{64}$/.test(parts[1]) || !/^(?:[0-9a-f]{2})+$/.test(parts[2])) return null;
    const [id, mac, user] = parts;
    if (!timingSafeEqual(Buffer.from(mac, 'hex'), this.mac(id, user))) return null;
    return Buffer.from(user, 'hex').toString('utf8');
  }
}
