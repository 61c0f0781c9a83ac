import { connect, isIP, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { Logger } from 'pino';
import { isTlsVerificationCode } from '../pvwa/failures.js';

/** How the PVWA's certificate is checked: the PVWA client's own settings (`pvwaTlsOptions`). */
export interface ReachabilityTls {
  ca?: string[];
  rejectUnauthorized: boolean;
}

/**
 * Whether the PVWA is reachable: a TCP connection to its host and port and, for an https PVWA, a
 * TLS handshake with the client's CA and verification settings (a certificate the client would
 * refuse makes the gateway unready). Made in the background every `intervalMs` and cached, so a
 * probe never waits on the PVWA; no HTTP request, and never a caller's token (the gateway has none).
 */
export class PvwaReachability {
  /** Why the PVWA is not usable now; null when it is; undefined before the first check. */
  private problem: string | null | undefined = undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly host: string;
  private readonly port: number;
  private readonly https: boolean;

  constructor(
    pvwaUrl: string,
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
    private readonly tls: ReachabilityTls = { rejectUnauthorized: true },
  ) {
    const url = new URL(pvwaUrl);
    this.host = url.hostname.replace(/^\[|\]$/g, '');
    this.https = url.protocol === 'https:';
    this.port = Number(url.port || (this.https ? 443 : 80));
  }

  /** Checks once, then keeps checking in the background. */
  async start(): Promise<void> {
    await this.check();
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The last known answer; null before the first check. */
  get isReachable(): boolean | null {
    return this.problem === undefined ? null : this.problem === null;
  }

  /** Why the PVWA is not usable, for /readyz; null when it is. */
  get reason(): string | null {
    return this.problem ?? null;
  }

  async check(): Promise<boolean> {
    const problem = await new Promise<string | null>((resolve) => {
      let connected = false;
      const socket: Socket = this.https
        ? connectTls({ host: this.host, port: this.port, servername: isIP(this.host) ? undefined : this.host, ...this.tls })
        : connect({ host: this.host, port: this.port });
      const done = (result: string | null) => {
        socket.destroy();
        resolve(result);
      };
      socket.setTimeout(this.timeoutMs, () => done(connected ? 'PVWA TLS handshake timed out' : 'PVWA unreachable'));
      socket.once('connect', () => {
        connected = true;
        if (!this.https) done(null);
      });
      socket.once('secureConnect', () => done(null));
      socket.once('error', (error: NodeJS.ErrnoException) => {
        if (!connected) return done('PVWA unreachable');
        const code = error.code ?? error.message;
        done(isTlsVerificationCode(code) ? `PVWA TLS certificate refused (${code})` : `PVWA TLS handshake failed (${code})`);
      });
    });
    if (problem !== this.problem) {
      const pvwa = `${this.host}:${this.port}`;
      if (problem === null) this.logger.info({ pvwa }, 'PVWA reachable');
      else this.logger.warn({ pvwa, reason: problem }, `${problem}: /readyz answers 503`);
    }
    this.problem = problem;
    return problem === null;
  }
}
