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
 * The IDE's own files, beside the schema: assets/ide/bootstrap.js (the page's script: GraphiQL over
 * HTTP, subscriptions over graphql-ws; its header says how) and ide.css. Read when the IDE is made.
 */
const ASSETS_DIR = new URL('../../assets/ide/', import.meta.url);

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
  const bootstrap = readFileSync(new URL('bootstrap.js', ASSETS_DIR), 'utf8');
  const css = readFileSync(new URL('ide.css', ASSETS_DIR), 'utf8');
  return new Map<string, Asset>([
    [`${react.id}.min.js`, { source: { path: join(react.dir, 'umd/react.production.min.js') }, type: JS }],
    [`${reactDom.id}.min.js`, { source: { path: join(reactDom.dir, 'umd/react-dom.production.min.js') }, type: JS }],
    [`${graphiql.id}.min.js`, { source: { path: join(graphiql.dir, 'dist/index.umd.js') }, type: JS }],
    // The browser build of the graphql-ws the server runs (global graphqlWs): GraphiQL's bundle has
    // a copy inside but does not expose it.
    [`${graphqlWs.id}.min.js`, { source: { path: join(graphqlWs.dir, 'umd/graphql-ws.min.js') }, type: JS }],
    [`${graphiql.id}.min.css`, { source: { path: require.resolve('graphiql/style.css') }, type: CSS }],
    [hashed('ide', 'css', css), { source: { content: css }, type: CSS }],
    [hashed('ide', 'js', bootstrap), { source: { content: bootstrap }, type: JS }],
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
