// A typed client of the gateway for a SOC console, on Apollo Client 4 (core, no React) and
// graphql-ws: log on, list open events page by page, close one, watch changes live, log off.
// Every result and variable is typed by the documents codegen generated from schema/ (./gql/).
import { ApolloClient, ApolloLink, CombinedGraphQLErrors, HttpLink, InMemoryCache } from '@apollo/client';
import { SetContextLink } from '@apollo/client/link/context';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { print } from '@apollo/client/utilities';
import { createClient, type Client as WsClient } from 'graphql-ws';
import { Observable } from 'rxjs';
import { CloseEventDocument, EventChangedDocument, LogoffDocument, LogonDocument, OpenEventsDocument } from './documents.js';
import type { CloseReason, EventChangedSubscription, OpenEventsQuery, SecurityEventFilter, TriageEventFragment } from './gql/graphql.js';

export type TriageEvent = TriageEventFragment;
export type EventPage = OpenEventsQuery['securityEvents'];
export type EventChange = EventChangedSubscription['securityEventChanged'];

/**
 * How operations reach the gateway:
 * - `text`: the whole document in `query`, as any GraphQL server takes it;
 * - `ids`: only the document's SHA-256 (Apollo's `extensions.persistedQuery.sha256Hash`), never the
 *   text, over HTTP and over the WebSocket. For a gateway started with this example's manifest
 *   (`TRUSTED_DOCUMENTS`: ./manifest.ts): the hash is the key of the document in it.
 */
export type DocumentDelivery = 'text' | 'ids';

export interface ConsoleOptions {
  /** The gateway's GraphQL URL, e.g. http://127.0.0.1:4000/graphql. */
  url: string;
  /** Its WebSocket URL; by default `url` with ws: / wss:. */
  wsUrl?: string;
  /** `text` (default) or `ids`: see DocumentDelivery. */
  documents?: DocumentDelivery;
  /** The WebSocket class; by default the global one (browsers, Node 22+). On Node 20: `WebSocket` from 'ws'. */
  webSocketImpl?: unknown;
  /** The fetch function; by default the global one. */
  fetch?: typeof fetch;
  /** A session token the app already holds (from an earlier logon); by default none until `logon`. */
  token?: string;
}

/** The socket closed (graphql-ws close codes: 4401 log on again, 1013 try later, ...). */
export class ConnectionClosedError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(`the WebSocket closed: ${code} ${reason}`);
    this.name = 'ConnectionClosedError';
  }
}

/** A live subscription's changes, one at a time. */
export interface Watch {
  /** Resolves once the WebSocket is connected and acknowledged (the gateway checked the session) and the subscription is sent. */
  readonly ready: Promise<void>;
  /** The next change; rejects with the error the subscription ended with (`CombinedGraphQLErrors`, `ConnectionClosedError`). */
  next(): Promise<EventChange>;
  /** Stops the subscription. */
  stop(): void;
}

type Hashed = { __meta__?: { hash?: string } };

/**
 * The hash codegen's client preset put on each document (`persistedDocuments`): the key of the
 * document in persisted-documents.json. The preset's documented way with Apollo Client.
 */
function documentHash(document: unknown): string {
  const hash = (document as Hashed).__meta__?.hash;
  if (!hash) throw new Error('This document has no persisted-document hash: write it with graphql() from ./gql and run `npm run codegen:example`.');
  return hash;
}

/**
 * In place of Apollo Client's GraphQLWsLink, which always sends the text, and which on Node 20
 * turns an `error` message of graphql-ws (the gateway refusing a document) into
 * `ReferenceError: WebSocket is not defined` (it reads the global WebSocket, which Node 20 lacks).
 * With `includeQuery: false` in the operation's `http` context (what PersistedQueryLink sets when
 * it sends the hash) the subscribe message carries the hash and an empty `query` (graphql-ws
 * requires the field, as a string). Errors become Apollo's CombinedGraphQLErrors or a
 * ConnectionClosedError.
 */
class GraphQLWsTransport extends ApolloLink {
  constructor(private readonly client: () => WsClient) {
    super();
  }

  override request(operation: ApolloLink.Operation): Observable<ApolloLink.Result> {
    return new Observable<ApolloLink.Result>((observer) => {
      const { query, variables, operationName, extensions } = operation;
      const includeQuery = (operation.getContext().http as { includeQuery?: boolean } | undefined)?.includeQuery !== false;
      return this.client().subscribe<Record<string, any>, Record<string, any>>(
        {
          query: includeQuery ? print(query) : '',
          variables,
          ...(operationName ? { operationName } : {}),
          ...(extensions && Object.keys(extensions).length > 0 ? { extensions } : {}),
        },
        {
          next: (result) => observer.next(result),
          complete: () => observer.complete(),
          error: (error: unknown) => {
            if (error instanceof Error) observer.error(error);
            else if (Array.isArray(error)) observer.error(new CombinedGraphQLErrors({ errors: error }));
            else if (error && typeof error === 'object' && 'code' in error) {
              const close = error as { code: number; reason?: string };
              observer.error(new ConnectionClosedError(close.code, close.reason ?? ''));
            } else observer.error(new Error(String(error)));
          },
        },
      );
    });
  }
}

export class TriageConsole {
  readonly documents: DocumentDelivery;
  private readonly apollo: ApolloClient;
  private readonly options: ConsoleOptions;
  private ws: WsClient | undefined;
  private token: string | null = null;
  private connected = false;
  private readonly connectedWaiters: Array<() => void> = [];

  constructor(options: ConsoleOptions) {
    this.options = options;
    this.documents = options.documents ?? 'text';
    this.token = options.token ?? null;
    // Every request carries the session token once logged on (raw, as the gateway takes it).
    const auth = new SetContextLink(({ headers }) => ({ headers: { ...headers, ...(this.token ? { authorization: this.token } : {}) } }));
    const transport = ApolloLink.split(
      (operation) => operation.operationType === 'subscription',
      new GraphQLWsTransport(() => this.socket()),
      new HttpLink({ uri: options.url, ...(options.fetch ? { fetch: options.fetch } : {}) }),
    );
    const ids =
      this.documents === 'ids'
        ? [
            // Ids only: never fall back to the text (an APQ registration, which a gateway
            // enforcing its manifest refuses anyway); an unknown id is an error to fix at build.
            new PersistedQueryLink({ generateHash: documentHash, retry: () => false, disable: () => false }),
          ]
        : [];
    this.apollo = new ApolloClient({ link: ApolloLink.from([auth, ...ids, transport]), cache: new InMemoryCache() });
  }

  /** The graphql-ws client, made on the first subscription: an app that never subscribes needs no WebSocket. */
  private socket(): WsClient {
    return (this.ws ??= createClient({
      url: this.options.wsUrl ?? this.options.url.replace(/^http/, 'ws'),
      webSocketImpl: this.options.webSocketImpl,
      // The session, checked by the gateway before it acknowledges the connection.
      connectionParams: () => ({ authorization: this.token }),
      // Opens on the first subscription, closes 0.5 s after the last one ends.
      lazy: true,
      lazyCloseTimeout: 500,
      on: {
        connected: () => {
          this.connected = true;
          for (const resolve of this.connectedWaiters.splice(0)) resolve();
        },
        closed: () => {
          this.connected = false;
        },
      },
    }));
  }

  get loggedOn(): boolean {
    return this.token !== null;
  }

  /** Logs on with a Vault user (`CYBERARK`) and keeps the session token for what follows. */
  async logon(username: string, password: string): Promise<void> {
    const { data } = await this.apollo.mutate({
      mutation: LogonDocument,
      variables: { input: { username, password, delivery: 'TOKEN' } },
      fetchPolicy: 'no-cache', // a token has no place in the cache
    });
    const result = data?.logon;
    if (result?.__typename === 'LogonChallenge') throw new Error(`The PVWA asks for another factor (${result.message}); this example logs on without one.`);
    if (result?.__typename !== 'LogonSuccess' || !result.token) throw new Error('The logon answered no token.');
    this.token = result.token;
  }

  /** One page of the open events, newest first; `after` is the previous page's `endCursor`. */
  async openEvents(first: number, after?: string | null): Promise<EventPage> {
    const { data } = await this.apollo.query({ query: OpenEventsDocument, variables: { first, after: after ?? null }, fetchPolicy: 'network-only' });
    if (!data) throw new Error('The list answered no data.');
    return data.securityEvents;
  }

  /** Closes one event with a reason, and answers it as the PVWA stored it. */
  async close(id: string, closeReason: CloseReason, reasonText?: string): Promise<TriageEvent> {
    const { data } = await this.apollo.mutate({ mutation: CloseEventDocument, variables: { id, closeReason, reasonText: reasonText ?? null } });
    if (!data) throw new Error('The close answered no event.');
    return data.updateEventStatus;
  }

  /** Subscribes to new and changed events of the session (securityEventChanged) over the WebSocket. */
  watch(filter?: SecurityEventFilter): Watch {
    const queue: Array<{ change?: EventChange; error?: unknown }> = [];
    const waiting: Array<{ resolve: (change: EventChange) => void; reject: (error: unknown) => void }> = [];
    let ended: unknown;
    let notReady: ((error: unknown) => void) | undefined;
    const ready = new Promise<void>((resolve, reject) => {
      notReady = reject;
      // After the acknowledgement the subscribe message is sent within the same turn of the event loop; one more turn and it is on the wire.
      const sent = () => setTimeout(() => ((notReady = undefined), resolve()), 0);
      if (this.connected) sent();
      else this.connectedWaiters.push(sent);
    });
    ready.catch(() => {}); // reported by next() too
    const push = (item: { change?: EventChange; error?: unknown }) => {
      const waiter = waiting.shift();
      if (!waiter) return void queue.push(item);
      if (item.error !== undefined) waiter.reject(item.error);
      else waiter.resolve(item.change!);
    };
    const end = (error: unknown) => {
      if (ended !== undefined) return;
      ended = error;
      notReady?.(error);
      push({ error });
      for (const waiter of waiting.splice(0)) waiter.reject(error);
    };
    const subscription = this.apollo.subscribe({ query: EventChangedDocument, variables: { filter: filter ?? null } }).subscribe({
      // Apollo Client 4 hands a subscription's errors to `next`, as `error`.
      next: ({ data, error }) => (error ? end(error) : data ? push({ change: data.securityEventChanged }) : undefined),
      error: end,
      complete: () => end(new Error('the subscription completed')),
    });
    return {
      ready,
      next: () => {
        const item = queue.shift();
        if (item) return item.error !== undefined ? Promise.reject(item.error) : Promise.resolve(item.change!);
        if (ended !== undefined) return Promise.reject(ended);
        return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
      },
      stop: () => {
        subscription.unsubscribe();
        end(new Error('stopped'));
      },
    };
  }

  /** Ends the session on the PVWA, closes the WebSocket (ending its subscriptions) and forgets everything read with it. */
  async logoff(): Promise<boolean> {
    const { data } = await this.apollo.mutate({ mutation: LogoffDocument, fetchPolicy: 'no-cache' });
    this.token = null;
    const ws = this.ws;
    this.ws = undefined;
    this.connected = false;
    await ws?.dispose();
    await this.apollo.clearStore();
    return data?.logoff === true;
  }

  /** Closes the WebSocket and stops the client. */
  async dispose(): Promise<void> {
    await this.ws?.dispose();
    this.apollo.stop();
  }
}
