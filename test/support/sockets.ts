import { createClient, type Client } from 'graphql-ws';
import { WebSocket } from 'ws';
import type { Harness } from './harness.js';

export interface Connection {
  client: Client;
  /** Resolves with the close event's code and reason. */
  closed: Promise<{ code: number; reason: string }>;
}

/**
 * A graphql-ws client of the harness's gateway, connecting at once, never retrying: `token` as
 * connectionParams.authorization (null: none), `headers` on the upgrade request (an Origin, a
 * Cookie, as a browser sends them).
 */
export function connect(h: Harness, token: string | null, headers: Record<string, string> = {}): Connection {
  let onClosed!: (event: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClosed = resolve));
  // The `ws` client, so a test can send an Origin or a Cookie as a browser would.
  class HeaderSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  }
  const client = createClient({
    url: h.gateway.url.replace(/^http/, 'ws'),
    webSocketImpl: HeaderSocket,
    connectionParams: token === null ? {} : { authorization: token },
    retryAttempts: 0,
    lazy: false,
    on: { closed: (event) => onClosed(event as { code: number; reason: string }) },
    onNonLazyError: () => {},
  });
  return { client, closed };
}
