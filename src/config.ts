import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { SessionSecret } from './sessions/seal.js';

/**
 * Every environment variable the gateway reads, validated at start-up into one typed object.
 * The README's configuration table is checked against `CONFIG_VARIABLES` by a test.
 */

const int = (min: number, max: number) => {
  const error = `must be a whole number from ${min} to ${max}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};
const bool = z
  .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1');

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. https://pvwa.example.com/PasswordVault' })
  .refine((url) => !url.includes('?') && !url.includes('#'), 'must not have a query or fragment')
  .transform((url) => url.replace(/\/+$/, ''));

/** A file read at start-up: its path, and its content. */
const readableFile = z.string().transform((path, ctx) => {
  try {
    return { path, content: readFileSync(path, 'utf8') };
  } catch {
    ctx.addIssue({ code: 'custom', message: `cannot read the file ${path}` });
    return z.NEVER;
  }
});

/** An origin as browsers send it: scheme, host and port, nothing else. */
function originOf(text: string): string | null {
  try {
    const url = new URL(text);
    const bare = (url.protocol === 'http:' || url.protocol === 'https:') && url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
    return bare && !text.endsWith('?') && !text.endsWith('#') ? url.origin : null;
  } catch {
    return null;
  }
}

const origins = z.string().transform((text, ctx) => {
  const list: string[] = [];
  for (const entry of text.split(',').map((item) => item.trim()).filter(Boolean)) {
    const origin = originOf(entry);
    if (origin === null) {
      ctx.addIssue({ code: 'custom', message: `must be a comma-separated list of origins such as https://soc.example.com (scheme, host and port; "${entry.slice(0, 100)}" is not one)` });
      return z.NEVER;
    }
    list.push(origin);
  }
  return list;
});

/** Header names (RFC 9110 tokens), lower-cased as browsers list them in a preflight. */
const headerNames = z.string().transform((text, ctx) => {
  const list: string[] = [];
  for (const entry of text.split(',').map((item) => item.trim()).filter(Boolean)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/.test(entry)) {
      ctx.addIssue({ code: 'custom', message: `must be a comma-separated list of header names such as x-tenant ("${entry.slice(0, 100)}" is not one)` });
      return z.NEVER;
    }
    list.push(entry.toLowerCase());
  }
  return list;
});

/** The development default of CORS_ORIGINS: these two hosts on any port (`:*`), over http. */
export const LOCAL_ORIGINS = ['http://localhost:*', 'http://127.0.0.1:*'];

const sessionSecret = z.string().transform((text, ctx) => {
  const secret = SessionSecret.parse(text);
  if (secret === null) {
    ctx.addIssue({ code: 'custom', message: 'must be at least 32 random bytes, written in hex or base64 (e.g. the output of `openssl rand -base64 32`)' });
    return z.NEVER;
  }
  return secret;
});

/** Variables whose value an error message never repeats. */
const UNSHOWN = new Set(['PVWA_CA_FILE', 'SESSION_SECRET']);

export const CONFIG_VARIABLES = {
  PORT: int(0, 65535).default(4000).describe('Port of the gateway; GraphQL is served at `/graphql`.'),
  HOST: z.string().min(1).default('0.0.0.0').describe('Interface the gateway listens on.'),
  PVWA_URL: httpUrl.optional().describe(
    'Base URL of the PVWA including the application path, e.g. `https://pvwa.example.com/PasswordVault`. Unset: the embedded simulator is started and used (refused when `NODE_ENV=production`).',
  ),
  PVWA_TIMEOUT_MS: int(1, 600_000).default(10_000).describe('Time allowed for each attempt of a PVWA call, in ms.'),
  PVWA_DEADLINE_MS: int(1, 600_000).optional().describe(
    'Time allowed for a whole PVWA call, retries and their waits included, in ms.',
  ),
  PVWA_CA_FILE: readableFile.optional().describe('PEM file of extra CA certificates to trust for the PVWA (an internal CA), besides the system ones.'),
  PVWA_TLS_INSECURE: bool.default(false).describe('`true` skips TLS certificate verification of the PVWA. For labs only: logged as a warning at start-up and on every call.'),
  PVWA_MAX_SOCKETS: int(1, 10_000).default(64).describe('Most connections kept open to the PVWA (keep-alive pool).'),
  PVWA_MAX_CONCURRENT_LISTS: int(1, 1000).default(4).describe('Most event lists fetched from the PVWA (and held in memory) at once; further list requests wait their turn within their deadline. Bounds memory: a list costs about 5 times its size while it is read and mapped (see Memory).'),
  PVWA_MAX_BODY_BYTES: int(1024, 1024 ** 3).default(16 * 1024 ** 2).describe('Largest event list the PVWA may answer, in bytes (16 MiB: about 12,000 events); a larger one is `UPSTREAM_ERROR`.'),
  PVWA_MAX_EVENT_BYTES: int(1024, 64 * 1024 ** 2).default(1024 ** 2).describe('Largest other PVWA answer (one event, e.g. the answer of a status change; an error), in bytes; a larger one is `UPSTREAM_ERROR`.'),
  PVWA_GET_RETRIES: int(0, 2).default(2).describe('Retries of a GET on connection errors, 429, 502, 503 and 504 (at most 2).'),
  PVWA_RETRY_BASE_MS: int(1, 10_000).default(100).describe('First retry backoff in ms; doubles with each retry, with full jitter.'),
  PVWA_RETRY_AFTER_MAX_MS: int(0, 60_000).default(2_000).describe('Longest `Retry-After` of a 429 that is waited for, in ms; a longer one fails the call at once.'),
  PVWA_SNAPSHOT_MAX_AGE_MS: int(0, 86_400_000).default(60_000).describe('Per-session event snapshots: after a session\'s first read, its reads fetch only what changed (`fromUpdateDate` deltas). A snapshot older than this is fully refreshed (bounds staleness for changes that do not move `lastUpdateTime`), and one unused this long is dropped. `0` turns snapshots off: every read fetches the full filtered list.'),
  PVWA_SYNC_OVERLAP_MS: int(0, 86_400_000).default(10_000).describe('A delta asks for events updated since the snapshot\'s newest `lastUpdateTime` minus this, in ms, for events the PVWA writes late with an earlier time.'),
  PVWA_SNAPSHOT_MAX_MB: int(1, 65_536).default(256).describe('Bound on all snapshots together, in MB of JSON received; past it the least recently used sessions are dropped first.'),
  BULK_MAX_IDS: int(1, 1000).default(100).describe('Most ids `updateEventStatuses` takes in one call; more is `BAD_USER_INPUT` with no PVWA call.'),
  PVWA_BULK_CONCURRENCY: int(1, 64).default(4).describe('Most PATCHes the `updateEventStatuses` calls of one PVWA session (one token) have in flight at once, all its calls together; further ones wait their turn.'),
  PVWA_ACCOUNT_CONCURRENCY: int(1, 64).default(8).describe('Most Vault account and live PSM session reads (`GET /API/Accounts/{id}`, `GET /API/LiveSessions/{id}`; the PVWA has no read of several by id) one request has in flight at once.'),
  ACCOUNT_CACHE_TTL_MS: int(0, 3_600_000).default(30_000).describe('How long a Vault account a session read is served again to that same session without a PVWA call, in ms. At most 1,000 accounts and 2 MiB of their JSON are kept across all sessions, the oldest dropped first; a session\'s accounts are dropped when it ends. `0`: off.'),
  LIVE_POLL_INTERVAL_MS: int(100, 3_600_000).default(5_000).describe('Live events: how often the PVWA is polled (one delta GET) per session that has subscriptions, in ms.'),
  LIVE_MAX_FAILED_POLLS: int(1, 1000).default(3).describe('Live events: transient PVWA failures in a row after which a session\'s subscriptions end with that error code.'),
  LIVE_MAX_CONNECTIONS: int(1, 100_000).default(1_000).describe('Most WebSocket connections open at once; more are refused with HTTP 503.'),
  LIVE_KEEPALIVE_MS: int(0, 600_000).default(12_000).describe('How often each WebSocket is pinged; a socket that does not answer within this time is closed. `0`: no pings.'),
  LIVE_MAX_CONNECTIONS_PER_SESSION: int(1, 100_000).default(10).describe('Most WebSocket connections one PVWA session (one token) may have open at once; a further one is closed with 4429 at connect.'),
  LIVE_MAX_PENDING_PER_ADDRESS: int(1, 100_000).default(8).describe('Most WebSocket connections from one client address still waiting for their `connection_init` (they do not count against `LIVE_MAX_CONNECTIONS` yet); more are refused with HTTP 503 at the upgrade. Behind a proxy every client has its address: raise it.'),
  LIVE_INIT_TIMEOUT_MS: int(100, 60_000).default(2_000).describe('Time a WebSocket connection has to send `connection_init`, in ms; then it is closed with 4408.'),
  SIMULATOR_LIVE_INTERVAL_MS: int(0, 3_600_000).default(0).describe('Embedded simulator only: add a new security event (and close an old one) every this many ms, so live events can be watched with `npm start`. `0`: off.'),
  HTTP_HEADERS_TIMEOUT_MS: int(1, 600_000).default(10_000).describe('Time a client has to send the request line and headers, in ms; then the connection is answered 408 and closed. At most `HTTP_REQUEST_TIMEOUT_MS`.'),
  HTTP_REQUEST_TIMEOUT_MS: int(1, 600_000).default(30_000).describe('Time a client has to send the whole request (headers and body), in ms; then the connection is answered 408 and closed. The time the answer takes is not counted.'),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int(0, 600_000).default(65_000).describe('How long an idle keep-alive connection from a client is kept open, in ms; longer than a load balancer\'s idle timeout (60 s on most), so the gateway never closes a connection the balancer is about to reuse.'),
  MAX_CONNECTIONS: int(1, 1_000_000).default(10_000).describe('Most client connections open at once; further connections are closed as they arrive.'),
  MAX_CONNECTIONS_PER_ADDRESS: int(1, 1_000_000).default(1_024).describe('Most client connections open at once from one client address (its TCP peer); further connections from it are closed as they arrive. Behind a load balancer or proxy every request comes from its address: raise it to `MAX_CONNECTIONS` there.'),
  MAX_REQUEST_BYTES: int(1024, 64 * 1024 ** 2).default(64 * 1024).describe('Largest request body accepted by `/graphql`, in bytes; a larger one is refused with HTTP 413.'),
  MAX_QUERY_DEPTH: int(1, 100).default(10).describe('Deepest field nesting a GraphQL document may have (fragments included).'),
  MAX_QUERY_ALIASES: int(0, 1000).default(15).describe('Most aliases a GraphQL document may use.'),
  MAX_QUERY_COST: int(1, 10_000_000).default(100_000).describe('Highest cost a GraphQL document may have: 1 per scalar field, 2 per object field, a list field times its `first`.'),
  MAX_QUERY_TOKENS: int(10, 1_000_000).default(2000).describe('Most lexical tokens a GraphQL document may have (bounds parsing work).'),
  MAX_RESPONSE_BYTES: int(64 * 1024, 256 * 1024 ** 2).default(4 * 1024 ** 2).describe('Largest answer an operation may be built to give, in bytes, estimated from the document and its variables before any PVWA call (each listed event with the fields selected, aliases included; a pass-through JSON value such as `raw` counted at 1 KiB); a larger one is `BAD_USER_INPUT`.'),
  MAX_ANSWER_BYTES_IN_FLIGHT: int(1024 ** 2, 16 * 1024 ** 3).default(32 * 1024 ** 2).describe('Most bytes of answers being built or written at once, by their estimate (then their real size), across all requests; further requests wait for room within `PVWA_DEADLINE_MS`, then get `GATEWAY_BUSY` (HTTP 503).'),
  MAX_ANSWER_BYTES_PER_SESSION: int(64 * 1024, 16 * 1024 ** 3).default(16 * 1024 ** 2).describe('The same bound for the requests of one PVWA session (one token), so one caller cannot take all of it.'),
  HTTP_WRITE_TIMEOUT_MS: int(100, 600_000).default(30_000).describe('Time a client has to read a whole answer once the gateway starts writing it, in ms; a client that reads slower is cut off, and the answer\'s memory freed (over WebSocket: a socket whose sent messages are not read within it is closed with 1013).'),
  TRUSTED_DOCUMENTS: readableFile.optional().describe('Path of a manifest of trusted documents (graphql-codegen client preset\'s `persisted-documents.json`, `{ "<sha256>": "<document>" }`, or Apollo\'s persisted query manifest), checked at start-up: every id the SHA-256 of its document, every document valid against the schema; else the gateway does not start. Requests may then name a document by `documentId` or Apollo\'s `extensions.persistedQuery.sha256Hash`. Unset: no manifest.'),
  TRUSTED_DOCUMENTS_MODE: z.enum(['allow', 'enforce'], { error: 'must be allow or enforce' }).optional().describe('`enforce`: only the manifest\'s documents run (`PERSISTED_DOCUMENT_REQUIRED` otherwise, before any PVWA call, HTTP and WebSocket alike), and the GraphQL IDE is off; `allow`: ids resolve and any document still runs (for a migration). Needs `TRUSTED_DOCUMENTS`.'),
  INTROSPECTION: bool.optional().describe('`true` or `false`: allow schema introspection.'),
  GRAPHQL_IDE: bool.optional().describe('`true` or `false`: serve the GraphQL IDE (GraphiQL) to browsers that open `/graphql`.'),
  CORS_ORIGINS: origins.optional().describe(
    'Comma-separated exact origins (scheme, host, port) allowed to call `/graphql` from a browser with credentials (CORS), e.g. `https://soc.example.com,https://triage.example.com`. Any other origin gets no CORS headers.',
  ),
  CORS_ALLOWED_HEADERS: headerNames.optional().describe(
    'Comma-separated request headers a browser page may send besides those GraphQL clients send (`content-type`, `authorization`, `x-request-id`, `apollo-require-preflight`, `x-apollo-operation-name`, `apollographql-client-name`, `apollographql-client-version`, `traceparent`, `tracestate`), granted in CORS preflights, e.g. `x-tenant,baggage`.',
  ),
  COMPRESSION: bool.default(true).describe('`false` sends answers uncompressed, for deployments whose proxy compresses. Otherwise answers of 1 KB or more are compressed with brotli or gzip, as the client\'s `Accept-Encoding` prefers.'),
  SESSION_SECRET: sessionSecret.optional().describe(
    'Key material (at least 32 random bytes, hex or base64) that seals session cookies and logon challenges; every replica needs the same one. Required when `NODE_ENV=production`; in development an unset secret is made per process (logged as a warning), or, on the embedded simulator, derived from the checkout\'s development seed (it survives a restart).',
  ),
  SESSION_MAX_AGE_MS: z.coerce
    .number({ error: 'must be a positive number of ms' })
    .positive({ error: 'must be a positive number of ms' })
    .default(43_200_000)
    .describe('Oldest session cookie accepted, in ms since its logon (12 hours); an older one is `UNAUTHENTICATED`.'),
  SESSION_COOKIE_SECURE: bool.default(true).describe('`false` drops the `Secure` attribute of the session cookie, for plain-http labs only.'),
  LOGON_MAX_FAILURES: int(1, 1000).default(5).describe('Failed logons (a refused password or one-time code) of one user name within `LOGON_FAILURE_WINDOW_MS` after which its logons are `RATE_LIMITED` (HTTP 429, `Retry-After`) without a PVWA call; counted per replica.'),
  LOGON_MAX_FAILURES_PER_ADDRESS: int(1, 100_000).default(20).describe('The same for one client address, whatever the user names; behind a proxy every client has its address: raise it.'),
  LOGON_FAILURE_WINDOW_MS: int(1_000, 86_400_000).default(900_000).describe('The window failed logons are counted in, in ms (15 minutes).'),
  SHUTDOWN_GRACE_MS: int(0, 600_000).default(10_000).describe('On SIGTERM, how long in-flight requests may take to finish, in ms; then those still waiting on the PVWA are answered `SHUTTING_DOWN` (503) and the connections closed (within one more second).'),
  SHUTDOWN_DELAY_MS: int(0, 600_000).default(0).describe('On SIGTERM, how long to keep accepting requests while `/readyz` already answers 503, so load balancers stop sending first, in ms.'),
  READINESS_INTERVAL_MS: int(100, 3_600_000).default(5_000).describe('How often `/readyz` checks in the background that the PVWA is reachable (a TCP connection and, for https, a TLS handshake verified as PVWA calls are; no token), in ms.'),
  READINESS_TIMEOUT_MS: int(10, 60_000).default(2_000).describe('Time allowed for that check to connect (and complete the TLS handshake), in ms.'),
  HEAP_GROWING_PERCENT: int(0, 1000).default(0).describe('How much V8 grows the heap after a full collection, in percent (V8\'s `--heap-growing-percent`, set at start-up); `0` keeps V8\'s own policy, which under `npm start`\'s `--max-old-space-size=960` grows it by at most about 55%. Smaller steps trade CPU for RSS; the default keeps peak RSS under the benchmark at 130 to 150 MB (160 to 167 MB when every request at c=64 executes a new page of 50 events; docs/PERFORMANCE.md, Targets). It does not cap the heap (that is `--max-old-space-size`).'),
  METRICS_MAX_OPERATIONS: int(0, 10_000).default(100).describe('Most distinct GraphQL operation names used as metric labels; further names count as `other`.'),
  LOG_FORMAT: z.enum(['json', 'pretty'], { error: 'must be json or pretty' }).optional().describe('`json` (one JSON object per line) or `pretty` (human-readable).'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'must be one of fatal, error, warn, info, debug, trace, silent' })
    .default('info').describe('Least severe log level written.'),
  NODE_ENV: z.string().default('development').describe('`production`: introspection and the GraphQL IDE off, JSON logs, no CORS origin by default, and `PVWA_URL` and `SESSION_SECRET` required.'),
} as const;

const schema = z.object(CONFIG_VARIABLES);
type Raw = z.infer<typeof schema>;

export interface Config extends Omit<Raw, 'PVWA_DEADLINE_MS' | 'INTROSPECTION' | 'GRAPHQL_IDE' | 'LOG_FORMAT' | 'CORS_ORIGINS' | 'CORS_ALLOWED_HEADERS' | 'TRUSTED_DOCUMENTS_MODE'> {
  /** With TRUSTED_DOCUMENTS: enforce unless said otherwise. */
  TRUSTED_DOCUMENTS_MODE: 'allow' | 'enforce';
  PVWA_DEADLINE_MS: number;
  /** Exact origins, or an entry ending in `:*` for any port of that host (the development default). */
  CORS_ORIGINS: string[];
  /** Request headers granted besides the GraphQL clients' own (lower case). */
  CORS_ALLOWED_HEADERS: string[];
  INTROSPECTION: boolean;
  GRAPHQL_IDE: boolean;
  LOG_FORMAT: 'json' | 'pretty';
}

/** How the README shows the defaults that derive from other variables. */
export const DERIVED_DEFAULTS: Partial<Record<keyof typeof CONFIG_VARIABLES, string>> = {
  PVWA_DEADLINE_MS: '2 x `PVWA_TIMEOUT_MS`',
  INTROSPECTION: 'on; off in production',
  GRAPHQL_IDE: 'on; off in production, and with enforced trusted documents',
  CORS_ORIGINS: '`http://localhost:<any port>`, `http://127.0.0.1:<any port>`; none in production',
  CORS_ALLOWED_HEADERS: '(none)',
  LOG_FORMAT: 'json in production, else pretty',
  TRUSTED_DOCUMENTS_MODE: '`enforce` when `TRUSTED_DOCUMENTS` is set',
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The environment as a Config; a ConfigError with one line naming the variable when a value is invalid. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input: Record<string, string> = {};
  for (const name of Object.keys(CONFIG_VARIABLES)) {
    const value = env[name];
    if (value !== undefined && value !== '') input[name] = value;
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const name = String(issue.path[0]);
    const shown = name in input && !UNSHOWN.has(name) ? ` (got ${JSON.stringify(input[name].slice(0, 100))})` : '';
    throw new ConfigError(`Invalid configuration: ${name} ${issue.message}${shown}.`);
  }
  const raw = result.data;
  // Node refuses a server whose headers timeout is longer than its request timeout.
  if (raw.HTTP_HEADERS_TIMEOUT_MS > raw.HTTP_REQUEST_TIMEOUT_MS) {
    throw new ConfigError(`Invalid configuration: HTTP_HEADERS_TIMEOUT_MS must not be longer than HTTP_REQUEST_TIMEOUT_MS (got ${raw.HTTP_HEADERS_TIMEOUT_MS} and ${raw.HTTP_REQUEST_TIMEOUT_MS}).`);
  }
  // Production runs against a real PVWA, and seals cookies with a secret every replica shares.
  if (raw.NODE_ENV === 'production' && raw.PVWA_URL === undefined) {
    throw new ConfigError('Invalid configuration: PVWA_URL is required when NODE_ENV=production (the embedded simulator is for development).');
  }
  if (raw.NODE_ENV === 'production' && raw.SESSION_SECRET === undefined) {
    throw new ConfigError('Invalid configuration: SESSION_SECRET is required when NODE_ENV=production (it seals session cookies and logon challenges; e.g. `openssl rand -base64 32`).');
  }
  if (raw.TRUSTED_DOCUMENTS_MODE !== undefined && raw.TRUSTED_DOCUMENTS === undefined) {
    throw new ConfigError('Invalid configuration: TRUSTED_DOCUMENTS_MODE needs TRUSTED_DOCUMENTS (the manifest of trusted documents).');
  }
  const mode = raw.TRUSTED_DOCUMENTS_MODE ?? 'enforce';
  return {
    ...raw,
    PVWA_DEADLINE_MS: raw.PVWA_DEADLINE_MS ?? 2 * raw.PVWA_TIMEOUT_MS,
    INTROSPECTION: raw.INTROSPECTION ?? raw.NODE_ENV !== 'production',
    // Enforced trusted documents leave nothing for an IDE to run.
    GRAPHQL_IDE: (raw.GRAPHQL_IDE ?? raw.NODE_ENV !== 'production') && !(raw.TRUSTED_DOCUMENTS !== undefined && mode === 'enforce'),
    TRUSTED_DOCUMENTS_MODE: mode,
    CORS_ORIGINS: raw.CORS_ORIGINS ?? (raw.NODE_ENV === 'production' ? [] : LOCAL_ORIGINS),
    CORS_ALLOWED_HEADERS: raw.CORS_ALLOWED_HEADERS ?? [],
    LOG_FORMAT: raw.LOG_FORMAT ?? (raw.NODE_ENV === 'production' ? 'json' : 'pretty'),
  };
}

/** The README's configuration table, generated from CONFIG_VARIABLES (a test keeps them equal). */
export function configTable(): string {
  const defaults = loadConfig({}) as unknown as Record<string, unknown>;
  const rows = Object.entries(CONFIG_VARIABLES).map(([name, schema]) => {
    const derived = DERIVED_DEFAULTS[name as keyof typeof CONFIG_VARIABLES];
    const value = defaults[name];
    const shown = derived ?? (value === undefined ? '(unset)' : `\`${String(value)}\``);
    return `| \`${name}\` | ${shown} | ${schema.description ?? ''} |`;
  });
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}
