import { randomBytes } from 'node:crypto';
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

  constructor(private readonly sessions: SessionBook) {}

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
    if (!this.sessions.has(token)) return send(res, 401, ERROR_401);
    if (token !== DEMO_TOKEN) this.sessions.end(token);
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
    // Opaque like a self-hosted PVWA's token: base64 of "GUID;hex;hex;".
    const token = Buffer.from(`${crypto.randomUUID()};${randomBytes(32).toString('hex')};${randomBytes(16).toString('hex')};`).toString('base64');
    this.sessions.open(token, username);
    // The answer is a bare JSON string.
    send(res, 200, token);
  }
}
