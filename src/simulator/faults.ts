import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline, type Writable } from 'node:stream';
import { createGzip, type Gzip } from 'node:zlib';
import { sendText } from './respond.js';

/** Faults a test injects: the next requests get one of these instead of a normal answer. */
export type Fault =
  /** Answer normally, but only after `ms`. */
  | { kind: 'delay'; ms: number }
  /** Answer with this status and body (JSON by default). */
  | { kind: 'status'; status: number; body?: string; contentType?: string; headers?: Record<string, string> }
  /** 200 with an HTML page, as IIS sometimes answers. */
  | { kind: 'html' }
  /** 200 JSON cut in the middle (the whole, short body is sent). */
  | { kind: 'truncated' }
  /** 200 JSON, but not the shape asked for. */
  | { kind: 'wrong-shape' }
  /** Close the connection without an answer. */
  | { kind: 'reset' }
  /**
   * An error page that echoes the request's Cookie header and a cookie it sets itself (as some
   * IIS and load balancer error pages do), with this status.
   */
  | { kind: 'echo'; status: number }
  /**
   * 200 with one JSON event of `bytes` bytes (a long string field), streamed as the client reads
   * it, so the simulator never holds it; `contentLength: false` sends it chunked, its length
   * unannounced. With `together`, answers start only once that many requests wait for one.
   * `status` sends it with another status (say 500: a huge error page); `gzip` sends it
   * gzip-encoded (a few KB on the wire that expand to `bytes`), its length unannounced.
   */
  | { kind: 'huge'; bytes: number; contentLength?: boolean; together?: number; status?: number; gzip?: boolean };

export interface FaultOptions {
  /** How many requests get the fault; all from now on when absent. */
  times?: number;
  /** Only requests of these methods get it (GET, PATCH, POST). */
  methods?: string[];
}

export class Faults {
  private current: { fault: Fault; remaining: number; methods?: string[] } | null = null;
  /** Huge answers waiting for the rest of their group (`together`). */
  private readonly hugeWaiting: Array<() => void> = [];

  set(fault: Fault, options: FaultOptions = {}): void {
    this.current = { fault, remaining: options.times ?? Infinity, methods: options.methods };
  }

  clear(): void {
    this.current = null;
  }

  /** The fault a request of `method` gets, counted; null when none. */
  take(method: string): Fault | null {
    const current = this.current;
    if (!current || (current.methods && !current.methods.includes(method))) return null;
    if (--current.remaining <= 0) this.current = null;
    return current.fault;
  }

  /** Answers with a fault (any but a delay, which the server waits for and then answers normally). */
  send(req: IncomingMessage, res: ServerResponse, fault: Exclude<Fault, { kind: 'delay' }>): void {
    switch (fault.kind) {
      case 'status':
        return sendText(res, fault.status, fault.body ?? JSON.stringify({ ErrorCode: 'SIMFAULT', ErrorMessage: `Injected HTTP ${fault.status}.` }), fault.contentType ?? 'application/json; charset=utf-8', fault.headers);
      case 'html':
        return sendText(res, 200, '<html><body><h1>Server Error in \'/PasswordVault\' Application.</h1></body></html>', 'text/html');
      case 'truncated':
        return sendText(res, 200, '[{"id":"5f14495ce4b0ba4baf5efd83","type":"VaultViaIrregularIp","sco', 'application/json; charset=utf-8');
      case 'wrong-shape':
        return sendText(res, 200, JSON.stringify({ value: [], count: 0 }), 'application/json; charset=utf-8');
      case 'reset':
        req.socket.destroy();
        return;
      case 'echo': {
        const balancer = `BIGipServerPVWA=${randomBytes(6).toString('hex')}.20480.0000`;
        return sendText(res, fault.status, `<html><body><h1>Runtime Error</h1><p>Cookie: ${req.headers.cookie ?? ''}</p><p>Set: ${balancer}</p></body></html>`, 'text/html', { 'set-cookie': `${balancer}; path=/; Secure` });
      }
      case 'huge': {
        this.hugeWaiting.push(() => streamHuge(res, fault.bytes, fault.contentLength ?? true, fault.status ?? 200, fault.gzip ?? false));
        if (this.hugeWaiting.length >= (fault.together ?? 1)) for (const start of this.hugeWaiting.splice(0)) start();
        return;
      }
    }
  }
}

const HUGE_CHUNK = Buffer.alloc(64 * 1024, 'x');

/**
 * A JSON event `bytes` long, written a chunk at a time as the client reads; stops when the client
 * leaves. Gzipped, it goes through a gzip stream (so the length is never announced).
 */
function streamHuge(res: ServerResponse, bytes: number, announceLength: boolean, status: number, gzip: boolean): void {
  const head = Buffer.from('{"id":"huge","pad":"');
  const tail = Buffer.from('"}');
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    ...(gzip ? { 'content-encoding': 'gzip' } : announceLength ? { 'content-length': String(bytes) } : {}),
  });
  const out: Writable = gzip ? createGzip() : res;
  if (gzip) {
    pipeline(out as Gzip, res, () => {});
    res.once('close', () => out.destroy());
  }
  out.write(head);
  let left = bytes - head.length - tail.length;
  const write = () => {
    while (left > 0 && !res.destroyed) {
      const chunk = left >= HUGE_CHUNK.length ? HUGE_CHUNK : HUGE_CHUNK.subarray(0, left);
      left -= chunk.length;
      if (!out.write(chunk)) return void out.once('drain', write);
    }
    if (!res.destroyed) out.end(tail);
  };
  write();
}
