import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { getOperationAST, GraphQLError, parse, specifiedRules, validate, type DocumentNode, type ExecutionResult, type GraphQLSchema, type ValidationRule } from 'graphql';
import type { Context } from 'graphql-ws';
import { useServer, type Extra as WsExtra } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { createContext, tokenFrom, type ContextDeps } from '../context.js';
import { formatError } from '../errors.js';
import { PvwaError } from '../pvwa/errors.js';
import type { LiveHub } from '../sessions/live.js';
import { sessionKey } from '../sessions/snapshots.js';
import type { RequestRecord, Telemetry } from '../telemetry/record.js';

/**
 * GraphQL over WebSocket (the graphql-transport-ws protocol, graphql-ws over ws) on the HTTP
 * server's `upgrade` at /graphql: subscriptions, and queries and mutations too. The session is
 * checked at connect with one PVWA read; documents get the same limits as over HTTP.
 */

export const MAX_SUBSCRIPTIONS_PER_SOCKET = 20;

export interface WebSocketOptions {
  server: Server;
  schema: GraphQLSchema;
  rules: ValidationRule[];
  maxTokens: number;
  maxPayloadBytes: number;
  maxConnections: number;
  keepAliveMs: number;
  deps: ContextDeps;
  hub: LiveHub;
  telemetry: Telemetry;
  /** Whether a browser page of this Origin may connect (the CORS allowlist). */
  allowOrigin: (origin: string) => boolean;
  /** The token of an upgrade request without connectionParams.authorization (the session cookie). */
  tokenOfRequest?: (req: IncomingMessage) => string | null;
}

type Extra = WsExtra;

/** Per socket: the caller's token, and the records of its running operations. */
interface SocketState {
  token: string | null;
  operations: Map<string, { record: RequestRecord; subscription: boolean }>;
}

function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, extensions: { ...error.extensions, code } });
}

export interface WebSocketEndpoint {
  /** Open sockets. */
  readonly sockets: number;
  /** Closes every socket with 1001 (shutdown, after the drain delay). */
  close(): Promise<void>;
}

export function attachWebSocket(options: WebSocketOptions): WebSocketEndpoint {
  const { server, schema, deps, hub, telemetry } = options;
  const { logger } = telemetry;
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes });
  const states = new WeakMap<object, SocketState>();
  let closing = false;

  const refuse = (socket: Duplex, status: number, reason: string) => {
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`);
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path !== '/graphql') return refuse(socket, 404, 'Not Found');
    const origin = req.headers.origin;
    // A page of the gateway itself (its IDE) is same-origin; any other page must be allowed.
    const sameOrigin = origin !== undefined && req.headers.host !== undefined && /^https?:\/\/(.*)$/.exec(origin)?.[1] === req.headers.host;
    if (origin !== undefined && !sameOrigin && !options.allowOrigin(origin)) return refuse(socket, 403, 'Forbidden: this Origin is not allowed (CORS_ORIGINS)');
    if (closing) return refuse(socket, 503, 'Service Unavailable: shutting down');
    if (wss.clients.size >= options.maxConnections) return refuse(socket, 503, 'Service Unavailable: too many WebSocket connections (LIVE_MAX_CONNECTIONS)');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const stateOf = (ctx: Context<Record<string, unknown> | undefined, Extra>): SocketState => {
    let state = states.get(ctx);
    if (!state) states.set(ctx, (state = { token: null, operations: new Map() }));
    return state;
  };

  const format = (result: ExecutionResult) => (result.errors ? { ...result, errors: result.errors.map((error) => formatError(error.toJSON(), error)) } : result);

  const endOperation = (state: SocketState, id: string) => {
    const operation = state.operations.get(id);
    if (!operation) return;
    state.operations.delete(id);
    operation.record.end(200);
  };

  useServer<Record<string, unknown> | undefined>(
    {
      schema,
      async onConnect(ctx) {
        const { socket, request } = ctx.extra;
        const state = stateOf(ctx);
        const fromParams = ctx.connectionParams?.authorization;
        state.token = typeof fromParams === 'string' ? tokenFrom(fromParams) : (options.tokenOfRequest?.(request) ?? null);
        if (state.token === null) {
          socket.close(4401, 'Unauthorized: send the PVWA session token as connectionParams.authorization');
          return false;
        }
        // One PVWA read with the token before the connection is acknowledged (it also warms the
        // session's snapshot, which the live events start from).
        try {
          await hub.readSession(sessionKey(state.token), state.token, 'ws-connect');
          return true;
        } catch (error) {
          const status = error instanceof PvwaError ? error.details.status : undefined;
          if (status === 401) socket.close(4401, 'Unauthorized: the PVWA did not accept the session token');
          else if (status === 403) socket.close(4403, 'Forbidden: the PVWA refused this session');
          else socket.close(1013, 'Try again later: the PVWA could not be read');
          return false;
        }
      },
      async onSubscribe(ctx, id, payload) {
        const state = stateOf(ctx);
        let document: DocumentNode;
        // With Apollo's codes for the same failures over HTTP.
        try {
          document = parse(payload.query, { maxTokens: options.maxTokens });
        } catch (error) {
          return [withCode(error as GraphQLError, 'GRAPHQL_PARSE_FAILED')];
        }
        const errors = validate(schema, document, [...specifiedRules, ...options.rules]);
        if (errors.length > 0) return errors.map((error) => withCode(error, 'GRAPHQL_VALIDATION_FAILED'));
        const operation = getOperationAST(document, payload.operationName);
        const subscription = operation?.operation === 'subscription';
        if (subscription && [...state.operations.values()].filter((operation) => operation.subscription).length >= MAX_SUBSCRIPTIONS_PER_SOCKET) {
          return [new GraphQLError(`At most ${MAX_SUBSCRIPTIONS_PER_SOCKET} subscriptions per connection.`, { extensions: { code: 'BAD_REQUEST' } })];
        }
        const record = telemetry.begin(undefined);
        record.operationType = operation?.operation ?? null;
        record.operationName = payload.operationName ?? null;
        state.operations.set(id, { record, subscription });
        const { socket } = ctx.extra;
        const live = { hub, sessionEnded: (code: number, reason: string) => setImmediate(() => socket.close(code, reason)) };
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables ?? undefined,
          contextValue: createContext(deps, { token: state.token, stale: false, fromCookie: false }, record, { live }),
        };
      },
      onNext(_ctx, _id, _payload, _args, result) {
        return format(result);
      },
      onError(ctx, id, _payload, errors) {
        const state = stateOf(ctx);
        const first = errors[0];
        const formatted = errors.map((error) => formatError(error.toJSON(), error));
        const operation = state.operations.get(id);
        if (operation && first) operation.record.failed(String(formatted[0].extensions?.code ?? 'BAD_REQUEST'));
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

  return {
    get sockets() {
      return wss.clients.size;
    },
    async close() {
      closing = true;
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
