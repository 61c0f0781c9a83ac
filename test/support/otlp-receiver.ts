/**
 * An OTLP/HTTP traces receiver for tests (node:http, 127.0.0.1, port 0), with a dependency-free
 * decoder of both encodings the SDK sends: application/x-protobuf and application/json (gzipped
 * or not). It decodes the messages of opentelemetry-proto's collector/trace/v1, trace/v1,
 * common/v1 and resource/v1 that spans use, and skips any other field.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

export type AttrValue = string | number | boolean | Buffer | AttrValue[] | { [k: string]: AttrValue } | undefined;
export type Attrs = Record<string, AttrValue>;
export interface DecodedSpan {
  resource: Attrs;
  scope: { name: string; version: string };
  traceId: string; spanId: string; parentSpanId: string; traceState: string;
  name: string;
  /** 1 internal, 2 server, 3 client, 4 producer, 5 consumer */
  kind: number;
  startTimeUnixNano: string; endTimeUnixNano: string;
  attributes: Attrs;
  events: { name: string; timeUnixNano: string; attributes: Attrs }[];
  links: { traceId: string; spanId: string; attributes: Attrs }[];
  /** code: 0 unset, 1 ok, 2 error */
  status: { code: number; message: string };
  flags: number;
}

// ---------- protobuf (opentelemetry/proto collector/trace/v1, trace/v1, common/v1, resource/v1) ----------
class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}
  done(): boolean { return this.pos >= this.buf.length; }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw new Error('truncated varint');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  }
  bytes(): Buffer {
    const len = Number(this.varint());
    if (this.pos + len > this.buf.length) throw new Error('truncated bytes');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  fixed64(): bigint { const v = this.buf.readBigUInt64LE(this.pos); this.pos += 8; return v; }
  double(): number { const v = this.buf.readDoubleLE(this.pos); this.pos += 8; return v; }
  fixed32(): number { const v = this.buf.readUInt32LE(this.pos); this.pos += 4; return v; }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

/** Calls `on` for each field; `on` reads the value, or returns false to have it skipped. */
function fields(buf: Buffer, on: (field: number, r: Reader) => boolean | void): void {
  const r = new Reader(buf);
  while (!r.done()) {
    const tag = Number(r.varint());
    if (on(tag >>> 3, r) === false) r.skip(tag & 7);
  }
}
const utf8 = (b: Buffer): string => b.toString('utf8');
const hex = (b: Buffer): string => b.toString('hex');
function int64(v: bigint): number | string {
  const s = BigInt.asIntN(64, v);
  return s >= BigInt(Number.MIN_SAFE_INTEGER) && s <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(s) : s.toString();
}

function anyValue(buf: Buffer): AttrValue {
  let out: AttrValue;
  fields(buf, (f, r) => {
    switch (f) {
      case 1: out = utf8(r.bytes()); return;
      case 2: out = r.varint() !== 0n; return;
      case 3: out = int64(r.varint()); return;
      case 4: out = r.double(); return;
      case 5: { const list: AttrValue[] = []; fields(r.bytes(), (f2, r2) => (f2 === 1 ? void list.push(anyValue(r2.bytes())) : false)); out = list; return; }
      case 6: { const kv: Attrs = {}; fields(r.bytes(), (f2, r2) => (f2 === 1 ? void Object.assign(kv, keyValue(r2.bytes())) : false)); out = kv; return; }
      case 7: out = Buffer.from(r.bytes()); return;
      default: return false;
    }
  });
  return out;
}
function keyValue(buf: Buffer): Attrs {
  let key = '';
  let value: AttrValue;
  fields(buf, (f, r) => {
    if (f === 1) key = utf8(r.bytes());
    else if (f === 2) value = anyValue(r.bytes());
    else return false;
  });
  return { [key]: value };
}

function pbSpan(buf: Buffer, resource: Attrs, scope: DecodedSpan['scope']): DecodedSpan {
  const s: DecodedSpan = {
    resource, scope, traceId: '', spanId: '', parentSpanId: '', traceState: '', name: '', kind: 0,
    startTimeUnixNano: '0', endTimeUnixNano: '0', attributes: {}, events: [], links: [], status: { code: 0, message: '' }, flags: 0,
  };
  fields(buf, (f, r) => {
    switch (f) {
      case 1: s.traceId = hex(r.bytes()); return;
      case 2: s.spanId = hex(r.bytes()); return;
      case 3: s.traceState = utf8(r.bytes()); return;
      case 4: s.parentSpanId = hex(r.bytes()); return;
      case 5: s.name = utf8(r.bytes()); return;
      case 6: s.kind = Number(r.varint()); return;
      case 7: s.startTimeUnixNano = r.fixed64().toString(); return;
      case 8: s.endTimeUnixNano = r.fixed64().toString(); return;
      case 9: Object.assign(s.attributes, keyValue(r.bytes())); return;
      case 11: {
        const e = { name: '', timeUnixNano: '0', attributes: {} as Attrs };
        fields(r.bytes(), (f2, r2) => {
          if (f2 === 1) e.timeUnixNano = r2.fixed64().toString();
          else if (f2 === 2) e.name = utf8(r2.bytes());
          else if (f2 === 3) Object.assign(e.attributes, keyValue(r2.bytes()));
          else return false;
        });
        s.events.push(e);
        return;
      }
      case 13: {
        const l = { traceId: '', spanId: '', attributes: {} as Attrs };
        fields(r.bytes(), (f2, r2) => {
          if (f2 === 1) l.traceId = hex(r2.bytes());
          else if (f2 === 2) l.spanId = hex(r2.bytes());
          else if (f2 === 4) Object.assign(l.attributes, keyValue(r2.bytes()));
          else return false;
        });
        s.links.push(l);
        return;
      }
      case 15:
        fields(r.bytes(), (f2, r2) => {
          if (f2 === 2) s.status.message = utf8(r2.bytes());
          else if (f2 === 3) s.status.code = Number(r2.varint());
          else return false;
        });
        return;
      case 16: s.flags = r.fixed32(); return;
      default: return false;
    }
  });
  return s;
}

export function decodeProtobuf(buf: Buffer): DecodedSpan[] {
  const spans: DecodedSpan[] = [];
  fields(buf, (f, r) => {
    if (f !== 1) return false; // ExportTraceServiceRequest.resource_spans
    const resource: Attrs = {};
    const scopeSpans: Buffer[] = [];
    fields(r.bytes(), (f2, r2) => {
      if (f2 === 1) fields(r2.bytes(), (f3, r3) => (f3 === 1 ? void Object.assign(resource, keyValue(r3.bytes())) : false));
      else if (f2 === 2) scopeSpans.push(r2.bytes());
      else return false;
    });
    for (const ss of scopeSpans) {
      const scope = { name: '', version: '' };
      const raw: Buffer[] = [];
      fields(ss, (f3, r3) => {
        if (f3 === 1) fields(r3.bytes(), (f4, r4) => (f4 === 1 ? void (scope.name = utf8(r4.bytes())) : f4 === 2 ? void (scope.version = utf8(r4.bytes())) : false));
        else if (f3 === 2) raw.push(r3.bytes());
        else return false;
      });
      for (const b of raw) spans.push(pbSpan(b, resource, scope));
    }
  });
  return spans;
}

// ---------- OTLP/JSON: hex ids, numeric enums, 64-bit ints as strings or numbers ----------
interface JsonAny { stringValue?: string; boolValue?: boolean; intValue?: string | number; doubleValue?: number; arrayValue?: { values?: JsonAny[] }; kvlistValue?: { values?: JsonKv[] }; bytesValue?: string }
interface JsonKv { key: string; value?: JsonAny }
function jsonAny(v: JsonAny | undefined): AttrValue {
  if (v == null) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return int64(BigInt(v.intValue));
  if (v.doubleValue !== undefined) return Number(v.doubleValue);
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(jsonAny);
  if (v.kvlistValue !== undefined) return jsonAttrs(v.kvlistValue.values);
  if (v.bytesValue !== undefined) return Buffer.from(v.bytesValue, 'base64');
  return undefined;
}
function jsonAttrs(list: JsonKv[] = []): Attrs { const o: Attrs = {}; for (const kv of list) o[kv.key] = jsonAny(kv.value); return o; }
const jsonTime = (t: string | number | undefined): string => (t == null ? '0' : String(t));

export function decodeJson(raw: Buffer | string): DecodedSpan[] {
  const body = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  const spans: DecodedSpan[] = [];
  for (const rs of body.resourceSpans ?? []) {
    const resource = jsonAttrs(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      const scope = { name: ss.scope?.name ?? '', version: ss.scope?.version ?? '' };
      for (const sp of ss.spans ?? []) {
        spans.push({
          resource, scope,
          traceId: String(sp.traceId ?? '').toLowerCase(), spanId: String(sp.spanId ?? '').toLowerCase(), parentSpanId: String(sp.parentSpanId ?? '').toLowerCase(),
          traceState: sp.traceState ?? '', name: sp.name ?? '', kind: sp.kind ?? 0,
          startTimeUnixNano: jsonTime(sp.startTimeUnixNano), endTimeUnixNano: jsonTime(sp.endTimeUnixNano),
          attributes: jsonAttrs(sp.attributes),
          events: (sp.events ?? []).map((e: any) => ({ name: e.name ?? '', timeUnixNano: jsonTime(e.timeUnixNano), attributes: jsonAttrs(e.attributes) })),
          links: (sp.links ?? []).map((l: any) => ({ traceId: String(l.traceId ?? '').toLowerCase(), spanId: String(l.spanId ?? '').toLowerCase(), attributes: jsonAttrs(l.attributes) })),
          status: { code: sp.status?.code ?? 0, message: sp.status?.message ?? '' },
          flags: sp.flags ?? 0,
        });
      }
    }
  }
  return spans;
}

export interface ReceivedExport { contentType: string; headers: IncomingHttpHeaders; raw: Buffer; spans: DecodedSpan[] }
export interface OtlpReceiver {
  /** The base URL (OTEL_EXPORTER_OTLP_ENDPOINT); the SDK posts to `/v1/traces` under it. */
  readonly endpoint: string;
  /** Every export received, as it came and decoded. */
  readonly exports: ReceivedExport[];
  /** Every span received so far. */
  spans(): DecodedSpan[];
  /** Resolves with every span received once `done` holds of them (checked as exports arrive); rejects after `ms`. */
  waitFor(done: (spans: DecodedSpan[]) => boolean, ms?: number): Promise<DecodedSpan[]>;
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const exports: ReceivedExport[] = [];
  const all = (): DecodedSpan[] => exports.flatMap((e) => e.spans);
  const waiters = new Set<() => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') return void res.writeHead(404).end();
      let raw = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
      const contentType = req.headers['content-type'] ?? '';
      try {
        const spans = contentType.includes('application/x-protobuf') ? decodeProtobuf(raw) : contentType.includes('application/json') ? decodeJson(raw) : undefined;
        if (!spans) return void res.writeHead(415).end();
        exports.push({ contentType, headers: req.headers, raw, spans });
        for (const waiter of [...waiters]) waiter();
      } catch (error) {
        return void res.writeHead(400).end(String(error));
      }
      // An empty ExportTraceServiceResponse is valid in both encodings.
      res.writeHead(200, { 'content-type': contentType.includes('json') ? 'application/json' : 'application/x-protobuf' }).end(contentType.includes('json') ? '{}' : '');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    exports,
    spans: all,
    waitFor(done, ms = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!done(all())) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(all());
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`the spans expected did not arrive within ${ms} ms; received: ${all().map((span) => span.name).join(', ')}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
