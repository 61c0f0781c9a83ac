import type { IncomingMessage, ServerResponse } from 'node:http';

/** Small HTTP helpers shared by the routes. */

/** The request's path, without its query. */
export function requestPath(req: IncomingMessage): string {
  return (req.url ?? '/').split('?', 1)[0];
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** A request-level error in the GraphQL response format. */
export function sendRequestError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });
}

const UTF8_CHARSET = /charset\s*=\s*"?utf-8"?/i;

/** What readBody gives when the client went away before its body was all sent. */
export const CLIENT_ABORTED = 'aborted';

/**
 * The request body, parsed when it is JSON; undefined for no body, or when an error answer was
 * already sent (too large, not UTF-8, malformed JSON); CLIENT_ABORTED when the client went away
 * before sending it all (nothing to answer). Hand-written instead of body-parser: a dozen lines,
 * one route with a body, and the limit must hold before the body is buffered.
 */
export async function readBody(req: IncomingMessage, res: ServerResponse, maxBytes: number): Promise<{ body: unknown; json?: string } | typeof CLIENT_ABORTED | undefined> {
  const method = req.method ?? 'GET';
  if (method === 'GET' || method === 'HEAD') return { body: undefined };
  // Answered before the body was read: the connection is closed after the answer, so a client
  // cannot keep it (and the unread body) open, nor send a next request after a body never read.
  const refuseTooLarge = () => {
    res.setHeader('connection', 'close');
    sendRequestError(res, 413, `The request body is larger than ${maxBytes} bytes.`);
  };
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) {
    refuseTooLarge();
    req.resume();
    return undefined;
  }
  const text = await new Promise<string | undefined | typeof CLIENT_ABORTED>((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      // Over the limit: answer now, drain the rest without keeping it, close the connection.
      req.off('data', onData);
      req.resume();
      resolve(undefined);
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    // The client reset the connection or closed it mid-body: its outcome, not the gateway's fault.
    req.once('error', () => resolve(CLIENT_ABORTED));
  });
  if (text === CLIENT_ABORTED) return CLIENT_ABORTED;
  if (text === undefined) {
    refuseTooLarge();
    return undefined;
  }
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  // Not JSON: Apollo Server decides (it refuses what it cannot run with a 4xx).
  if (!type.startsWith('application/json')) return { body: text === '' ? undefined : text };
  if (type.includes('charset') && !UTF8_CHARSET.test(type)) {
    sendRequestError(res, 415, 'Only UTF-8 request bodies are supported.');
    return undefined;
  }
  try {
    return { body: JSON.parse(text), json: text };
  } catch {
    sendRequestError(res, 400, 'The request body is not valid JSON.');
    return undefined;
  }
}
