import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ApolloServer } from '@apollo/server';
import { GraphQLError, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { Context } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { createContext, type ContextDeps } from '../context.js';
import { formatError } from '../errors.js';
import type { LiveHub } from '../events/live-hub.js';
import type { GraphContext } from '../graph/context.js';
import { formatResult, recordOperation, type OperationDocuments } from '../graph/operation.js';
import { checkOperationLimits, type OperationLimits } from '../graph/operation-limits.js';
import type { DocumentRequest, TrustedDocuments } from '../graph/trusted-documents.js';
import { tokenRefusal, type TokenRefusal } from '../pvwa/errors.js';
import { cookieCredentials, sessionKey, tokenFrom, type CookieSession, type Credentials } from '../sessions/credentials.js';
import type { RequestRecord, Telemetry } from '../telemetry/record.js';
import type { Span } from '../tracing/tracing.js';
import { requestPath } from './body.js';

/**
 * GraphQL over WebSocket (the graphql-transport-ws protocol, graphql-ws over ws) on the HTTP
 * server's `upgrade` at /graphql: subscriptions, and queries and mutations too. The session is
 * checked at connect with one PVWA read. Every operation takes the gateway's one operation path
 * (graph/operation.ts): queries and mutations run through Apollo's own pipeline, as over HTTP;
 * subscriptions get the same document checks and the same finish.
 */

export const MAX_SUBSCRIPTIONS_PER_SOCKET = 20;

/** How a socket ends when the PVWA refuses its session: the one table of close codes for it. */
export const REFUSAL_CLOSE: Record<TokenRefusal, { code: number; reason: string }> = {
  401: { code: 4401, reason: 'Unauthorized: the PVWA did not accept the session token' },
  403: { code: 4403, reason: 'Forbidden: the PVWA refused this session' },
};

/**
 * The close of a socket that came without a session: a cookie that did not open, a browser page's
 * without any cookie (why a browser leaves it out; a close reason has at most 123 bytes), or a
 * client's without connectionParams.authorization.
 */
function noSessionClose(staleCookie: boolean, fromBrowser: boolean): { code: number; reason: string } {
  if (staleCookie) return { code: 4401, reason: 'Unauthorized: the session cookie is invalid or has expired; log on again' };
  if (fromBrowser) return { code: 4401, reason: 'Unauthorized: no session cookie arrived (set for another host name or site, or Secure over http?)' };
  return { code: 4401, reason: 'Unauthorized: send the PVWA session token as connectionParams.authorization' };
}

export interface WebSocketOptions {
  server: Server;
  schema: GraphQLSchema;
  apollo: ApolloServer<GraphContext>;
  documents: OperationDocuments;
  /** The limits of an operation once its variables are known (Apollo's plugin applies them to queries and mutations). */
  limits: OperationLimits;
  /** The manifest of trusted documents (TRUSTED_DOCUMENTS), when there is one. */
  trusted?: TrustedDocuments;
  maxPayloadBytes: number;
  /** Most acknowledged sockets at once (LIVE_MAX_CONNECTIONS). */
  maxConnections: number;
  /** Most acknowledged sockets of one PVWA session (LIVE_MAX_CONNECTIONS_PER_SESSION). */
  maxConnectionsPerSession: number;
  /** Most sockets of one client address waiting for connection_init (LIVE_MAX_PENDING_PER_ADDRESS). */
  maxPendingPerAddress: number;
  /** Time a socket has to send connection_init (LIVE_INIT_TIMEOUT_MS). */
  initTimeoutMs: number;
  keepAliveMs: number;
  /** Time a client has to read what was sent to it (HTTP_WRITE_TIMEOUT_MS); then its socket is closed. */
  writeTimeoutMs: number;
  deps: ContextDeps;
  hub: LiveHub;
  telemetry: Telemetry;
  /** Whether a browser page of this Origin may connect (the CORS allowlist). */
  allowOrigin: (origin: string) => boolean;
  /** The session of an upgrade request without connectionParams.authorization (its session cookie). */
  sessionOfRequest?: (req: IncomingMessage) => CookieSession;
}

/** An operation of a socket, from its subscribe message to its end. */
interface RunningOperation {
  record: RequestRecord;
  /** Made once its document passed the checks. */
  context: GraphContext | null;
  subscription: boolean;
}

/** Per socket: the caller's credentials, and its running operations. */
interface SocketState {
  credentials: Credentials;
  /** The session key of its token, made once at connect for all its operations. */
  session?: string;
  operations: Map<string, RunningOperation>;
  /** The span of its connection check, which its operations' spans link to (tracing on). */
  connection?: Span;
}

const NO_CREDENTIALS: Credentials = { token: null, stale: false, fromCookie: false };

export interface WebSocketEndpoint {
  /** Open sockets. */
  readonly sockets: number;
  /** Closes every socket with 1001 (shutdown, after the drain delay). */
  close(): Promise<void>;
}

export function attachWebSocket(options: WebSocketOptions): WebSocketEndpoint {
  const { server, schema, apollo, documents, deps, hub, telemetry } = options;
  const { logger } = telemetry;
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes });
  const states = new WeakMap<object, SocketState>();
  let closing = false;

  const refuse = (socket: Duplex, status: number, reason: string) => {
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`);
  };

  /**
   * The slots. A socket counts against LIVE_MAX_CONNECTIONS (and its session's
   * LIVE_MAX_CONNECTIONS_PER_SESSION) once acknowledged; until its connection_init it is pending,
   * and counts against its client address's LIVE_MAX_PENDING_PER_ADDRESS only, for at most
   * LIVE_INIT_TIMEOUT_MS. So unauthenticated sockets cannot take the slots, nor one address the
   * pending ones, nor one session the acknowledged ones. Keyed by address and session key only.
   */
  const slots = { acknowledged: 0, pending: new Map<string, number>(), bySession: new Map<string, number>() };
  const slotOf = new WeakMap<object, { address: string; session: string | null }>();
  const count = (map: Map<string, number>, key: string, delta: number) => {
    const now = (map.get(key) ?? 0) + delta;
    if (now > 0) map.set(key, now);
    else map.delete(key);
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (requestPath(req) !== '/graphql') return refuse(socket, 404, 'Not Found');
    const origin = req.headers.origin;
    // A page of the gateway itself (its IDE) is same-origin; any other page must be allowed.
    const sameOrigin = origin !== undefined && req.headers.host !== undefined && /^https?:\/\/(.*)$/.exec(origin)?.[1] === req.headers.host;
    if (origin !== undefined && !sameOrigin && !options.allowOrigin(origin)) {
      telemetry.blocked('websocket-origin', 'the origin is neither the gateway\'s own nor in CORS_ORIGINS', origin);
      return refuse(socket, 403, 'Forbidden: this Origin is not allowed (CORS_ORIGINS)');
    }
    if (closing) return refuse(socket, 503, 'Service Unavailable: shutting down');
    if (slots.acknowledged >= options.maxConnections) return refuse(socket, 503, 'Service Unavailable: too many WebSocket connections (LIVE_MAX_CONNECTIONS)');
    const address = req.socket.remoteAddress ?? '';
    if ((slots.pending.get(address) ?? 0) >= options.maxPendingPerAddress) {
      return refuse(socket, 503, 'Service Unavailable: too many WebSocket connections from this address waiting for connection_init (LIVE_MAX_PENDING_PER_ADDRESS)');
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const slot = { address, session: null as string | null };
      slotOf.set(ws, slot);
      count(slots.pending, address, 1);
      ws.once('close', () => {
        if (slot.session === null) return count(slots.pending, address, -1);
        slots.acknowledged--;
        count(slots.bySession, slot.session, -1);
      });
      wss.emit('connection', ws, req);
    });
  });

  /** Moves a pending socket of `session` to an acknowledged slot; the close code when there is none. */
  const acknowledge = (ws: object, session: string): { code: number; reason: string } | null => {
    const slot = slotOf.get(ws);
    if (!slot || slot.session !== null) return null;
    if (slots.acknowledged >= options.maxConnections) return { code: 1013, reason: 'Try again later: too many WebSocket connections (LIVE_MAX_CONNECTIONS)' };
    if ((slots.bySession.get(session) ?? 0) >= options.maxConnectionsPerSession) {
      return { code: 4429, reason: 'Too many WebSocket connections for this session (LIVE_MAX_CONNECTIONS_PER_SESSION)' };
    }
    count(slots.pending, slot.address, -1);
    slot.session = session;
    slots.acknowledged++;
    count(slots.bySession, session, 1);
    return null;
  };

  const stateOf = (ctx: Context<Record<string, unknown> | undefined, Extra>): SocketState => {
    let state = states.get(ctx);
    if (!state) states.set(ctx, (state = { credentials: NO_CREDENTIALS, operations: new Map() }));
    return state;
  };

  const endOperation = (state: SocketState, id: string) => {
    const operation = state.operations.get(id);
    if (!operation) return;
    state.operations.delete(id);
    operation.record.end(200);
  };

  /**
   * A query or mutation: through Apollo's own pipeline, exactly as over HTTP (same checks,
   * executor, plugin and error formatting); its answer comes back formatted.
   */
  const execute = async (args: ExecutionArgs): Promise<ExecutionResult> => {
    const response = await apollo.executeOperation(
      { query: args.document.loc!.source.body, operationName: args.operationName ?? undefined, variables: args.variableValues ?? undefined },
      { contextValue: args.contextValue as GraphContext },
    );
    if (response.body.kind !== 'single') throw new Error('incremental delivery is not served over WebSocket');
    return response.body.singleResult as ExecutionResult;
  };

  useServer<Record<string, unknown> | undefined>(
    {
      execute,
      connectionInitWaitTimeout: options.initTimeoutMs,
      async onConnect(ctx) {
        const { socket, request } = ctx.extra;
        const state = stateOf(ctx);
        const fromParams = ctx.connectionParams?.authorization;
        const origin = request.headers.origin;
        state.credentials = typeof fromParams === 'string'
          ? { token: tokenFrom(fromParams), stale: false, fromCookie: false }
          : cookieCredentials(options.sessionOfRequest?.(request) ?? NO_CREDENTIALS);
        const { token } = state.credentials;
        if (token === null) {
          const unauthorized = noSessionClose(state.credentials.stale, origin !== undefined);
          telemetry.blocked('websocket-auth', unauthorized.reason, origin);
          socket.close(unauthorized.code, unauthorized.reason);
          return false;
        }
        // One PVWA read with the token before the connection is acknowledged (it also warms the
        // session's snapshot, which the live events start from).
        const session = sessionKey(token);
        state.session = session;
        state.connection = telemetry.startSpan('graphql-ws connection_init', request.headers);
        try {
          await hub.readSession(session, token, 'ws-connect', state.connection);
        } catch (error) {
          const refusal = tokenRefusal(error);
          const close = refusal !== null ? REFUSAL_CLOSE[refusal] : { code: 1013, reason: 'Try again later: the PVWA could not be read' };
          if (refusal !== null) telemetry.blocked('websocket-auth', `the PVWA refused the session at connect (${refusal})`, origin);
          telemetry.endSpan(state.connection, close.code);
          socket.close(close.code, close.reason);
          return false;
        }
        const full = acknowledge(socket, session);
        telemetry.endSpan(state.connection, full?.code);
        if (full === null) return true;
        socket.close(full.code, full.reason);
        return false;
      },
      async onSubscribe(ctx, id, payload) {
        const state = stateOf(ctx);
        // Begun first, as over HTTP: an operation refused by its document checks is logged and counted too.
        const record = telemetry.begin(undefined, { webSocket: state.connection });
        const running: RunningOperation = { record, context: null, subscription: false };
        state.operations.set(id, running);
        // A subscribe message may name a trusted document as an HTTP request does (`query` is then "").
        const named = options.trusted?.resolve(payload as DocumentRequest);
        if (named instanceof GraphQLError) return [named];
        if (named?.documentId) record.trustedDocument(named.documentId);
        const prepared = documents.prepare(named?.query ?? payload.query, payload.operationName);
        recordOperation(record, prepared.operation);
        if ('errors' in prepared) return prepared.errors;
        const { document, operation } = prepared;
        running.subscription = operation?.operation === 'subscription';
        if (running.subscription && [...state.operations.values()].filter((other) => other.subscription).length > MAX_SUBSCRIPTIONS_PER_SOCKET) {
          return [new GraphQLError(`At most ${MAX_SUBSCRIPTIONS_PER_SOCKET} subscriptions per connection.`, { extensions: { code: 'BAD_REQUEST' } })];
        }
        if (running.subscription && operation) {
          const { error } = checkOperationLimits(schema, document, operation, payload.variables ?? undefined, options.limits);
          if (error) return [error];
        }
        const { socket } = ctx.extra;
        const sessionRefused = (refusal: TokenRefusal) => setImmediate(() => socket.close(REFUSAL_CLOSE[refusal].code, REFUSAL_CLOSE[refusal].reason));
        running.context = createContext(deps, state.credentials, record, { live: { hub, sessionRefused }, clientAddress: ctx.extra.request.socket.remoteAddress, sessionKey: state.session });
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables ?? undefined,
          contextValue: running.context,
        };
      },
      onNext(ctx, id, _payload, _args, result) {
        const operation = stateOf(ctx).operations.get(id);
        // Queries and mutations come back from Apollo finished; a subscription's events are finished here.
        if (!operation?.subscription || !operation.context) return result;
        return formatResult(result, operation.context);
      },
      onError(ctx, id, _payload, errors) {
        const state = stateOf(ctx);
        const operation = state.operations.get(id);
        // A request error (document checks), or the end of a subscription's stream: finished as any result.
        const formatted = operation
          ? formatResult({ errors }, { record: operation.record, logger, warnings: [] }).errors
          : errors.map((error) => formatError(error.toJSON(), error));
        endOperation(state, id);
        return formatted;
      },
      onComplete(ctx, id) {
        endOperation(stateOf(ctx), id);
      },
      onClose(ctx) {
        const state = stateOf(ctx);
        for (const id of [...state.operations.keys()]) endOperation(state, id);
      },
    },
    wss,
    options.keepAliveMs,
  );

  wss.on('error', (error) => logger.error({ err: error }, 'WebSocket server failed'));

  // A client that does not read keeps what was sent to it in this process: once it has had
  // unread data for the write timeout, its socket is closed (1013), then cut.
  const unreadSince = new WeakMap<object, number>();
  const watchdog = setInterval(() => {
    const now = performance.now();
    for (const ws of wss.clients) {
      if (ws.bufferedAmount === 0) {
        unreadSince.delete(ws);
        continue;
      }
      const since = unreadSince.get(ws);
      if (since === undefined) unreadSince.set(ws, now);
      else if (now - since >= options.writeTimeoutMs) {
        logger.info({ bufferedBytes: ws.bufferedAmount }, 'WebSocket closed: the client did not read what was sent within HTTP_WRITE_TIMEOUT_MS');
        ws.close(1013, 'Try again later: the client did not read what was sent');
        setTimeout(() => ws.terminate(), 1_000).unref();
      }
    }
  }, Math.max(50, Math.min(1_000, Math.floor(options.writeTimeoutMs / 4))));
  watchdog.unref();

  return {
    get sockets() {
      return wss.clients.size;
    },
    async close() {
      closing = true;
      clearInterval(watchdog);
      hub.close();
      const sockets = [...wss.clients];
      const closed = Promise.all(sockets.map((socket) => new Promise((resolve) => socket.once('close', resolve))));
      for (const socket of sockets) socket.close(1001, 'Going away: the gateway is shutting down');
      // A client that does not answer the close handshake within a second is cut.
      const cut = setTimeout(() => sockets.forEach((socket) => socket.terminate()), 1_000);
      await closed;
      clearTimeout(cut);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
