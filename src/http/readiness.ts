import { connect } from 'node:net';
import type { Logger } from 'pino';

/**
 * Whether the PVWA is reachable at the network level: a TCP connection to its host and port, made
 * in the background every `intervalMs` and cached, so a probe never waits on the PVWA and never
 * uses a caller's token (the gateway has none of its own).
 */
export class PvwaReachability {
  private reachable: boolean | null = null;
  private timer: NodeJS.Timeout | undefined;
  private readonly host: string;
  private readonly port: number;

  constructor(
    pvwaUrl: string,
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {
    const url = new URL(pvwaUrl);
    this.host = url.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
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
    return this.reachable;
  }

  async check(): Promise<boolean> {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: this.host, port: this.port });
      const done = (result: boolean) => {
        socket.destroy();
        resolve(result);
      };
      socket.setTimeout(this.timeoutMs, () => done(false));
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
    });
    if (ok !== this.reachable) {
      if (ok) this.logger.info({ pvwa: `${this.host}:${this.port}` }, 'PVWA reachable');
      else this.logger.warn({ pvwa: `${this.host}:${this.port}` }, 'PVWA unreachable: /readyz answers 503');
    }
    this.reachable = ok;
    return ok;
  }
}
