import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { header, sendJson } from './body.js';

/**
 * The GraphQL IDE (GraphiQL) the gateway serves to browsers that open /graphql, with everything it
 * loads served by the gateway itself from installed packages: no CDN, works offline.
 *
 * Why graphiql 4.x: it is the last line that ships a self-contained UMD bundle (dist/index.umd.js,
 * CodeMirror 5, the docs explorer and history plugins inside) over the React 18 UMD builds, so the
 * gateway serves prebuilt files with no bundler. GraphiQL 5 is ESM over Monaco and its web workers
 * and needs a bundler (or esm.sh); React 19 has no UMD builds. graphiql 4.1.2 and React 18.3.1
 * declare no `engines`, so they install on Node 20 without EBADENGINE.
 */

/** Options of the IDE that the caller of startGateway chooses. */
export interface IdeOptions {
  /** Prefilled in GraphiQL's headers editor, e.g. the simulator's demo token. */
  defaultHeaders?: Record<string, string>;
}

/** Where the IDE's files are served: relative to /graphql, so the page works behind a path prefix too. */
export const IDE_ASSET_PREFIX = '/graphql/ide/';

/**
 * The IDE page's Content-Security-Policy: nothing from another origin. GraphiQL's stylesheet embeds
 * its fonts and icons as data: URLs; the page has no inline script (its bootstrap is a file).
 * connect-src 'self' also allows the subscriptions' WebSocket to this host (CSP3 matches ws:/wss: of
 * the same host to 'self'; the browser test fails on the console error of a blocked socket).
 */
export const IDE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Started in the page after GraphiQL, React and graphql-ws: reads the page's JSON config and renders
 * GraphiQL. Queries and mutations go as JSON over HTTP POST; subscriptions over graphql-ws to the
 * same host and path, authenticated at connect with the headers editor's Authorization as
 * connectionParams.authorization (none there: the gateway reads the session cookie). The headers
 * can change while the page is open: one socket client at a time, for the Authorization of the
 * latest subscription, and a different value disposes it. (createFetcher's own `subscriptionUrl`
 * opens a new client per subscription, never disposed, with the headers as they are, `Authorization`
 * capitalised, as connection params.)
 */
const BOOTSTRAP = `'use strict';
(function () {
  var config = JSON.parse(document.getElementById('ide-config').textContent);
  var params = new URLSearchParams(window.location.search);
  var path = window.location.pathname;
  // content-type: application/json (set by createFetcher) passes Apollo's CSRF prevention; the
  // preflight header also covers a GET.
  var httpFetcher = GraphiQL.createFetcher({
    url: path,
    headers: { 'apollo-require-preflight': 'true' },
    enableIncrementalDelivery: false,
  });
  var wsUrl = (window.location.protocol === 'https:' ? 'wss://' : 'ws://') + window.location.host + path;
  var ws = null;
  function wsClient(authorization) {
    if (ws && ws.authorization === authorization) return ws.client;
    // (A client whose connection was refused may reject its dispose: nothing to close then.)
    if (ws) Promise.resolve(ws.client.dispose()).catch(function () {});
    var connectionParams = authorization === null ? {} : { authorization: authorization };
    ws = { authorization: authorization, client: graphqlWs.createClient({ url: wsUrl, connectionParams: connectionParams }) };
    return ws.client;
  }
  // An observable GraphiQL reads each result of, and stops with unsubscribe. (createFetcher's
  // async iterable over a wsClient leaves an unhandled rejection in the page when the socket closes.)
  function subscription(client, graphQLParams) {
    return {
      subscribe: function (observer) {
        var unsubscribe = client.subscribe(graphQLParams, {
          next: function (result) { observer.next(result); },
          error: function (error) {
            if (error instanceof CloseEvent) error = new Error(('Socket closed with event ' + error.code + ' ' + error.reason).trim());
            else if (error instanceof Event) error = new Error('The WebSocket to ' + wsUrl + ' failed');
            observer.error(error);
          },
          complete: function () { observer.complete(); },
        });
        return { unsubscribe: unsubscribe };
      },
    };
  }
  function authorizationOf(headers) {
    var name = Object.keys(headers || {}).find(function (key) { return key.toLowerCase() === 'authorization'; });
    return name === undefined ? null : String(headers[name]);
  }
  // createFetcher's test: the operation to run (named operationName, else the anonymous one) is a subscription.
  function isSubscription(graphQLParams, opts) {
    var name = graphQLParams.operationName || undefined;
    return Boolean(opts && opts.documentAST) && opts.documentAST.definitions.some(function (definition) {
      return definition.kind === 'OperationDefinition' && definition.operation === 'subscription' && (definition.name ? definition.name.value : undefined) === name;
    });
  }
  function fetcher(graphQLParams, opts) {
    if (isSubscription(graphQLParams, opts)) return subscription(wsClient(authorizationOf(opts.headers)), graphQLParams);
    return httpFetcher(graphQLParams, opts);
  }
  var props = { fetcher: fetcher, shouldPersistHeaders: false };
  if (config.defaultHeaders) {
    props.defaultHeaders = JSON.stringify(config.defaultHeaders, null, 2);
    props.defaultEditorToolsVisibility = 'headers';
  }
  if (params.has('query')) props.query = params.get('query');
  if (params.has('variables')) props.variables = params.get('variables');
  ReactDOM.createRoot(document.getElementById('graphiql')).render(React.createElement(GraphiQL, props));
})();
`;

const PAGE_CSS = 'html, body { height: 100%; margin: 0; }\n#graphiql { height: 100vh; }\n';

interface Asset {
  /** The file, resolved at start-up; or the content itself. */
  source: { path: string } | { content: string };
  type: string;
  body?: Buffer;
}

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/** name@version and directory of an installed package. */
function installed(require: NodeJS.Require, name: string) {
  const manifest = require.resolve(`${name}/package.json`);
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  return { id: `${name}-${version}`, dir: dirname(manifest) };
}

const hashed = (name: string, ext: string, content: string) =>
  `${name}-${createHash('sha256').update(content).digest('hex').slice(0, 12)}.${ext}`;

/**
 * The allowlist of files the IDE serves: URL file name -> file (resolved here, at start-up) or
 * content. Names carry the package version or a content hash, so they are cached as immutable.
 */
function assets(): Map<string, Asset> {
  const require = createRequire(import.meta.url);
  const graphiql = installed(require, 'graphiql');
  const react = installed(require, 'react');
  const reactDom = installed(require, 'react-dom');
  const graphqlWs = installed(require, 'graphql-ws');
  return new Map<string, Asset>([
    [`${react.id}.min.js`, { source: { path: join(react.dir, 'umd/react.production.min.js') }, type: JS }],
    [`${reactDom.id}.min.js`, { source: { path: join(reactDom.dir, 'umd/react-dom.production.min.js') }, type: JS }],
    [`${graphiql.id}.min.js`, { source: { path: join(graphiql.dir, 'dist/index.umd.js') }, type: JS }],
    // The browser build of the graphql-ws the server runs (global graphqlWs): GraphiQL's bundle has
    // a copy inside but does not expose it.
    [`${graphqlWs.id}.min.js`, { source: { path: join(graphqlWs.dir, 'umd/graphql-ws.min.js') }, type: JS }],
    [`${graphiql.id}.min.css`, { source: { path: require.resolve('graphiql/style.css') }, type: CSS }],
    [hashed('ide', 'css', PAGE_CSS), { source: { content: PAGE_CSS }, type: CSS }],
    [hashed('ide', 'js', BOOTSTRAP), { source: { content: BOOTSTRAP }, type: JS }],
  ]);
}

/** JSON inside a <script type="application/json">: nothing in it can close the element. */
const scriptJson = (value: unknown) =>
  JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');

function page(files: string[], options: IdeOptions): string {
  // Relative to the page at /graphql: graphql/ide/<file>.
  const href = (name: string) => IDE_ASSET_PREFIX.slice(1) + name;
  const styles = files.filter((name) => name.endsWith('.css')).map((name) => `<link rel="stylesheet" href="${href(name)}">`);
  const scripts = files.filter((name) => name.endsWith('.js')).map((name) => `<script src="${href(name)}"></script>`);
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>pta-gateway GraphQL IDE</title>',
    // No favicon request: the gateway has none.
    '<link rel="icon" href="data:,">',
    ...styles,
    '</head>',
    '<body>',
    '<div id="graphiql">Loading the GraphQL IDE...</div>',
    `<script id="ide-config" type="application/json">${scriptJson({ defaultHeaders: options.defaultHeaders ?? null })}</script>`,
    ...scripts,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** The q value of each media range of an Accept header, in order. */
function acceptRanges(accept: string): Array<{ type: string; q: number }> {
  return accept.split(',').map((part) => {
    const [type, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    const value = q === undefined ? 1 : Number(q.slice(2));
    return { type, q: Number.isFinite(value) ? value : 0 };
  });
}

/**
 * True when the Accept header names text/html and ranks it above the JSON types GraphQL answers
 * with (a tie goes to the one listed first): what a browser sends, and no GraphQL client does.
 */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const ranges = acceptRanges(accept);
  const html = ranges.findIndex((r) => r.type === 'text/html' && r.q > 0);
  if (html === -1) return false;
  return ranges.every(
    (r, i) => !['application/json', 'application/graphql-response+json'].includes(r.type) || r.q < ranges[html].q || (r.q === ranges[html].q && i > html),
  );
}

export interface Ide {
  /** Answers GET /graphql from a browser with the IDE page; false (nothing sent) for anything else. */
  servePage(req: IncomingMessage, res: ServerResponse): boolean;
  /** Answers GET /graphql/ide/<file>: a file of the allowlist, else 404. */
  serveAsset(path: string, req: IncomingMessage, res: ServerResponse): void;
}

/** The IDE: its files are resolved now, so a missing package stops start-up rather than a page. */
export function createIde(options: IdeOptions = {}): Ide {
  const files = assets();
  const html = page([...files.keys()], options);
  return {
    servePage(req, res) {
      if (req.method !== 'GET' || !prefersHtml(header(req, 'accept'))) return false;
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': IDE_CSP,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      });
      res.end(html);
      return true;
    },
    serveAsset(path, req, res) {
      const asset = files.get(path.slice(IDE_ASSET_PREFIX.length));
      if (!asset || (req.method !== 'GET' && req.method !== 'HEAD')) {
        return sendJson(res, 404, { errors: [{ message: 'Not found.' }] });
      }
      asset.body ??= 'path' in asset.source ? readFileSync(asset.source.path) : Buffer.from(asset.source.content);
      res.writeHead(200, {
        'content-type': asset.type,
        'content-length': asset.body.length,
        'cache-control': 'public, max-age=31536000, immutable',
        'x-content-type-options': 'nosniff',
      });
      res.end(req.method === 'HEAD' ? undefined : asset.body);
    },
  };
}
