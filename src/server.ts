import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap, type ApolloServerPlugin, type HTTPGraphQLRequest } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { createContext, requestIdFrom, type GraphContext } from './context.js';
import { formatError } from './errors.js';
import { resolvers } from './graph/resolvers/index.js';
import { loadTypeDefs } from './graph/schema.js';
import { PvwaClient } from './pvwa/client.js';
import { PvwaError } from './pvwa/errors.js';

/** Largest request body accepted, in bytes. */
const MAX_REQUEST_BYTES = 1024 * 1024;
const UTF8_CHARSET = /charset\s*=\s*"?utf-8"?/i;

export interface Gateway {
  /** Where GraphQL is served, e.g. http://127.0.0.1:4000/graphql */
  url: string;
  server: Server;
  /** Stops accepting, lets in-flight requests finish, closes upstream sockets. */
  stop(): Promise<void>;
}

export interface GatewayOptions {
  config: Config;
  logger: Logger;
}

/** Adds the request's warnings (events left out, ...) to the response's extensions. */
const warningsPlugin: ApolloServerPlugin<GraphContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ contextValue, response }) {
        if (contextValue.warnings.length === 0 || response.body.kind !== 'single') return;
        const result = response.body.singleResult;
        result.extensions = { ...result.extensions, warnings: contextValue.warnings };
      },
    };
  },
};

/** Logs what becomes INTERNAL_SERVER_ERROR (a bug), with its stack, which the client never sees. */
function bugLoggingPlugin(logger: Logger): ApolloServerPlugin<GraphContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const error of errors) {
            const original = error.originalError;
            if (original && !(original instanceof GraphQLError) && !(original instanceof PvwaError)) {
              (contextValue?.logger ?? logger).error({ err: original, path: error.path }, 'resolver failed');
            }
          }
        },
      };
    },
  };
}

export async function startGateway({ config, logger }: GatewayOptions): Promise<Gateway> {
  if (!config.PVWA_URL) throw new Error('PVWA_URL is required to start the gateway');
  if (config.PVWA_TLS_INSECURE) logger.warn('PVWA_TLS_INSECURE=true: the PVWA certificate is NOT verified');
  const client = new PvwaClient(
    {
      baseUrl: config.PVWA_URL,
      timeoutMs: config.PVWA_TIMEOUT_MS,
      deadlineMs: config.PVWA_DEADLINE_MS,
      maxBodyBytes: config.PVWA_MAX_BODY_BYTES,
      maxSockets: config.PVWA_MAX_SOCKETS,
      ca: config.PVWA_CA_FILE?.content,
      insecureTls: config.PVWA_TLS_INSECURE,
      getRetries: config.PVWA_GET_RETRIES,
      maxRetryAfterMs: config.PVWA_RETRY_AFTER_MAX_MS,
      retryBaseMs: config.PVWA_RETRY_BASE_MS,
    },
    logger,
  );

  const apollo = new ApolloServer<GraphContext>({
    typeDefs: loadTypeDefs(),
    resolvers,
    formatError,
    includeStacktraceInErrorResponses: false,
    introspection: config.NODE_ENV !== 'production',
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    logger,
    plugins: [warningsPlugin, bugLoggingPlugin(logger)],
  });
  await apollo.start();

  async function graphql(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = requestIdFrom(header(req, 'x-request-id'));
    res.setHeader('x-request-id', requestId);
    const body = await readBody(req, res);
    if (body === undefined) return;
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const url = req.url ?? '';
    const queryAt = url.indexOf('?');
    const httpGraphQLRequest: HTTPGraphQLRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      headers,
      search: queryAt === -1 ? '' : url.slice(queryAt),
      body,
    };
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest,
      context: async () =>
        createContext({ authorization: header(req, 'authorization'), requestId, client, logger }),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const path = url.split('?', 1)[0];
    let handled: Promise<void> | void;
    if (path === '/graphql') handled = graphql(req, res);
    else if (path === '/healthz') handled = sendJson(res, 200, { status: 'ok' });
    else handled = sendJson(res, 404, { errors: [{ message: 'Not found. GraphQL is served at /graphql.' }] });
    if (handled) {
      handled.catch((error: unknown) => {
        logger.error({ err: error }, 'request failed');
        if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
        else res.destroy();
      });
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;

  return {
    url: `http://${host}:${port}/graphql`,
    server,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
      await apollo.stop();
      client.close();
    },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * The request body, parsed when it is JSON; undefined when an error answer was already sent
 * (too large, bad charset, malformed JSON). Hand-written instead of body-parser: it is a dozen
 * lines, and the GraphQL endpoint is the only one with a body.
 */
async function readBody(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  const method = req.method ?? 'GET';
  if (method === 'GET' || method === 'HEAD') return undefined;
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_REQUEST_BYTES) {
    requestError(res, 413, `The request body is larger than ${MAX_REQUEST_BYTES} bytes.`);
    req.resume();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) {
      requestError(res, 413, `The request body is larger than ${MAX_REQUEST_BYTES} bytes.`);
      req.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (!type.startsWith('application/json')) return text === '' ? undefined : text;
  if (type.includes('charset') && !UTF8_CHARSET.test(type)) {
    requestError(res, 415, 'Only UTF-8 request bodies are supported.');
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    requestError(res, 400, 'The request body is not valid JSON.');
    return undefined;
  }
}

function requestError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });
}
