import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page, Request, WebSocket as PageSocket } from 'playwright-core';
import { loadConfig } from '../../src/config.js';
import { createIde, IDE_CSP, prefersHtml } from '../../src/http/ide.js';
import { DEMO_TOKEN, type RecordedRequest } from '../../src/simulator/server.js';
import { launchChromium, type Chromium } from '../support/browser.js';
import { startHarness, type Harness } from '../support/harness.js';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';
const EXPECTED_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; font-src 'self' data:; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const { version } = JSON.parse(readFileSync(new URL('../../node_modules/graphiql/package.json', import.meta.url), 'utf8')) as { version: string };
const GRAPHIQL_JS = `/ide/graphiql-${version}.min.js`;

/** A GET with the path sent exactly as written (fetch would normalise `..` away). */
function rawGet(url: string, path: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The IDE's file names, as the page links them. */
const assetPaths = (html: string) => [...html.matchAll(/(?:src|href)="(graphql\/ide\/[^"]+)"/g)].map((m) => `/${m[1]}`);

describe('GraphQL IDE over HTTP', () => {
  let h: Harness;
  let off: Harness;
  beforeAll(async () => {
    [h, off] = await Promise.all([
      startHarness({ env: { GRAPHQL_IDE: 'true' }, ide: { defaultHeaders: { Authorization: DEMO_TOKEN } } }),
      startHarness({ env: { GRAPHQL_IDE: 'false' } }),
    ]);
  });
  afterAll(() => Promise.all([h.close(), off.close()]));

  const page = (url: string, accept = BROWSER_ACCEPT) => fetch(url, { headers: { accept } });

  it('serves the page to a browser, with an exact Content-Security-Policy and no remote origin', async () => {
    const response = await page(h.gateway.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(EXPECTED_CSP);
    expect(IDE_CSP).toBe(EXPECTED_CSP);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const html = await response.text();
    expect(html).toContain('<script id="ide-config" type="application/json">{"defaultHeaders":{"Authorization":"demo-token"}}</script>');
    // No inline script (script-src 'self' only) and nothing from another host.
    const inline = (html.match(/<script[^>]*>/g) ?? []).filter((tag) => !tag.includes(' src="') && !tag.includes('type="application/json"'));
    expect(inline).toEqual([]);
    expect(html).not.toMatch(/\/\/[a-z]/i);
    expect(assetPaths(html)).toHaveLength(7);
  });

  it('serves each linked file with its content type and a long immutable cache; HEAD too', async () => {
    const html = await (await page(h.gateway.url)).text();
    for (const path of assetPaths(html)) {
      const response = await fetch(h.gateway.url.replace('/graphql', '') + path);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(path.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8');
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      const body = await response.arrayBuffer();
      expect(Number(response.headers.get('content-length'))).toBe(body.byteLength);
    }
    const head = await fetch(h.gateway.url + GRAPHIQL_JS, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(100_000);
  });

  it('answers 404 for a file not on its list, and for traversal attempts', async () => {
    for (const path of [
      '/graphql/ide/',
      '/graphql/ide/nope.js',
      '/graphql/ide/graphiql.min.js',
      '/graphql/ide/../../package.json',
      '/graphql/ide/..%2f..%2fpackage.json',
      '/graphql/ide/%2e%2e/%2e%2e/package.json',
      `/graphql${GRAPHIQL_JS}/../../../../etc/passwd`,
      '/graphql/ide//etc/passwd',
    ]) {
      const response = await rawGet(h.gateway.url, path);
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
      expect(response.body).not.toMatch(/"name"|root:/);
    }
  });

  it('leaves GraphQL clients alone: JSON or */* accepted, or a POST, gets GraphQL', async () => {
    for (const accept of ['*/*', 'application/json', 'application/graphql-response+json, text/html;q=0.5']) {
      const response = await page(`${h.gateway.url}?query=${encodeURIComponent('{ __typename }')}`, accept);
      expect(response.headers.get('content-type')).not.toMatch(/text\/html/);
      expect(response.status).toBe(400); // Apollo's CSRF prevention: a GET without a preflight header
    }
    const { status, body } = await h.gql('{ securityEvents(first: 1) { totalCount } }', undefined, { headers: { accept: BROWSER_ACCEPT } });
    expect(status).toBe(200);
    expect(body).toEqual({ data: { securityEvents: { totalCount: 40 } } });
  });

  it('with GRAPHQL_IDE=false, a browser gets Apollo Server\'s normal answer and no files', async () => {
    const response = await page(off.gateway.url);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('content-security-policy')).toBeNull();
    const body = (await response.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
    expect(body.errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(body.errors[0].message).toMatch(/Cross-Site Request Forgery/);
    expect((await fetch(off.gateway.url + GRAPHIQL_JS)).status).toBe(404);
  });

  /** What production requires besides NODE_ENV (the PVWA is replaced by the harness's simulator). */
  const PRODUCTION = { NODE_ENV: 'production', PVWA_URL: 'https://pvwa.example.com/PasswordVault', SESSION_SECRET: 'ab'.repeat(32) };

  it('is off by default in production, on otherwise', async () => {
    expect(loadConfig({}).GRAPHQL_IDE).toBe(true);
    expect(loadConfig({ ...PRODUCTION }).GRAPHQL_IDE).toBe(false);
    expect(loadConfig({ ...PRODUCTION, GRAPHQL_IDE: 'true' }).GRAPHQL_IDE).toBe(true);
    const prod = await startHarness({ env: { NODE_ENV: 'production' } });
    try {
      const response = await page(prod.gateway.url);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await response.text()).not.toContain('<html');
    } finally {
      await prod.close();
    }
  });

  it('reads Accept the way browsers and GraphQL clients send it', () => {
    expect(prefersHtml(BROWSER_ACCEPT)).toBe(true);
    expect(prefersHtml('text/html')).toBe(true);
    expect(prefersHtml('text/html, application/json')).toBe(true);
    expect(prefersHtml('application/json, text/html')).toBe(false);
    expect(prefersHtml('text/html;q=0.5, application/json')).toBe(false);
    expect(prefersHtml('text/html;q=0')).toBe(false);
    expect(prefersHtml('*/*')).toBe(false);
    expect(prefersHtml(undefined)).toBe(false);
  });

  it('keeps default headers inside their JSON block, whatever they hold', async () => {
    const ide = createIde({ defaultHeaders: { Authorization: '</script><script>alert(1)</script>' } });
    let html = '';
    const res = { writeHead: () => res, end: (body: string) => (html = body) };
    const req = { method: 'GET', headers: { accept: 'text/html' } };
    expect(ide.servePage(req as never, res as never)).toBe(true);
    expect(html).not.toContain('</script><script>alert');
    expect(html).toContain('\\u003c/script\\u003e');
  });
});

describe('GraphQL IDE in a real browser (Chromium)', () => {
  let h: Harness;
  let chromium: Chromium;
  let page: Page;
  const requests: Request[] = [];
  /** The page's WebSockets, with the frames it sent on each. */
  const sockets: Array<{ socket: PageSocket; sent: Array<Record<string, any>> }> = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    [h, chromium] = await Promise.all([
      startHarness({ env: { GRAPHQL_IDE: 'true', LIVE_POLL_INTERVAL_MS: '200' }, ide: { defaultHeaders: { Authorization: DEMO_TOKEN } } }),
      launchChromium(),
    ]);
    chromium.context.on('request', (request) => requests.push(request));
    page = await chromium.context.newPage();
    page.on('websocket', (socket) => {
      const sent: Array<Record<string, any>> = [];
      socket.on('framesent', (frame) => sent.push(JSON.parse(String(frame.payload)) as Record<string, any>));
      sockets.push({ socket, sent });
    });
    page.setDefaultTimeout(10_000);
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
  });
  afterAll(async () => {
    await chromium?.close();
    await h?.close();
  });

  it('runs a query (the `query` URL parameter, then the run button) with the prefilled demo token and shows what the simulator holds', async () => {
    const query = '{ securityEvents(first: 3) { totalCount nodes { id } } }';
    await page.goto(`${h.gateway.url}?query=${encodeURIComponent(query)}`);
    // The headers editor starts with the demo token.
    await page.locator('.graphiql-editor-tool .CodeMirror-code', { hasText: '"Authorization": "demo-token"' }).waitFor();
    await page.locator('.graphiql-execute-button').click();
    // The result pane's text, once it holds the whole answer (CodeMirror shows spaces as U+00A0).
    const result = page.locator('.result-window', { hasText: /"totalCount"[^]*\]\s*\}\s*\}\s*\}\s*$/ });
    await result.waitFor();
    const shown = JSON.parse((await result.innerText()).replace(/\u00a0/g, ' ')) as unknown;

    const held = h.sim.eventsOf().map((e) => ({ id: String(e.id), time: Number(e.lastUpdateTime) }));
    held.sort((a, b) => b.time - a.time || (a.id < b.id ? -1 : 1));
    expect(shown).toEqual({ data: { securityEvents: { totalCount: held.length, nodes: held.slice(0, 3).map(({ id }) => ({ id })) } } });
    expect(held.length).toBe(40);

    // The query went out as JSON (Apollo's CSRF prevention) with the token from the headers editor.
    const sent = requests.filter((r) => r.method() === 'POST' && r.postData()?.includes('securityEvents'));
    expect(sent).toHaveLength(1);
    expect(sent[0].headers()).toMatchObject({ 'content-type': 'application/json', authorization: DEMO_TOKEN });
  });

  it('shows the schema\'s descriptions in the docs explorer (introspection allowed in development)', async () => {
    await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
    await page.locator('.graphiql-doc-explorer').getByText('Query', { exact: true }).click();
    await page.locator('.graphiql-doc-explorer', { hasText: "The security events the caller's session can see" }).waitFor();
  });

  /** Resolves once the session's live poller has made one more GET: its subscription is registered. */
  const polled = (token: string) => {
    const isPoll = (call: RecordedRequest) => String(call.headers['x-request-id']).startsWith('live-') && call.headers.authorization === token;
    return h.sim.received(h.sim.requests.filter(isPoll).length + 1, isPoll);
  };
  const detected = (id: string) => ({ id, type: 'PSMSuspiciousActivity', score: 90, createTime: Date.now(), lastUpdateTime: Date.now(), mStatus: 'OPEN' });
  /** The result pane's JSON, once it holds a whole answer that matches `text`. */
  async function resultShowing(text: RegExp): Promise<unknown> {
    const result = page.locator('.result-window', { hasText: text });
    await result.waitFor();
    return JSON.parse((await result.innerText()).replace(/\u00a0/g, ' ')) as unknown;
  }
  const SUBSCRIPTION = 'subscription { securityEventChanged { kind event { id } } }';

  it('runs a subscription over graphql-ws on the same host, with the headers editor\'s token, and shows the event the PVWA adds', async () => {
    await page.goto(`${h.gateway.url}?query=${encodeURIComponent(SUBSCRIPTION)}`);
    await page.locator('.graphiql-editor-tool .CodeMirror-code', { hasText: '"Authorization": "demo-token"' }).waitFor();
    const registered = polled(DEMO_TOKEN);
    await page.locator('.graphiql-execute-button').click();
    await registered;
    h.sim.addEvent(DEMO_TOKEN, detected('ide-live-1'));
    expect(await resultShowing(/"ide-live-1"[^]*\}\s*\}\s*\}\s*$/)).toEqual({ data: { securityEventChanged: { kind: 'CREATED', event: { id: 'ide-live-1' } } } });

    // One socket, to this host's /graphql, authenticated at connect with the token; nothing went over HTTP.
    expect(sockets.map(({ socket }) => socket.url())).toEqual([h.gateway.url.replace(/^http/, 'ws')]);
    const { socket, sent } = sockets[0];
    expect(sent[0]).toEqual({ type: 'connection_init', payload: { authorization: DEMO_TOKEN } });
    expect(sent[1]).toMatchObject({ type: 'subscribe', payload: { query: SUBSCRIPTION } });
    expect(requests.filter((r) => r.method() === 'POST' && r.postData()?.includes('securityEventChanged'))).toEqual([]);

    // The stop button ends the subscription, and the idle socket closes.
    const closed = socket.waitForEvent('close');
    await page.locator('.graphiql-execute-button').click();
    await closed;
    expect(sent.at(-1)).toEqual({ type: 'complete', id: sent[1].id });
  });

  it('connects with the Authorization the headers editor holds now, and shows a refused token\'s close code', async () => {
    const editHeaders = async (headers: Record<string, string>) => {
      await page.locator('.graphiql-editor-tool .CodeMirror', { hasText: 'Authorization' }).click();
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.insertText(JSON.stringify(headers));
    };
    h.sim.setEvents('ide-other', [detected('ide-other-0')]);
    await editHeaders({ Authorization: 'ide-other' });
    const registered = polled('ide-other');
    await page.locator('.graphiql-execute-button').click();
    await registered;
    h.sim.addEvent('ide-other', detected('ide-other-1'));
    expect(await resultShowing(/"ide-other-1"[^]*\}\s*\}\s*\}\s*$/)).toEqual({ data: { securityEventChanged: { kind: 'CREATED', event: { id: 'ide-other-1' } } } });
    expect(sockets).toHaveLength(2);
    expect(sockets[1].sent[0]).toEqual({ type: 'connection_init', payload: { authorization: 'ide-other' } });

    await page.locator('.graphiql-execute-button').click();
    await editHeaders({ Authorization: 'not-a-session' });
    await page.locator('.graphiql-execute-button').click();
    const refused = 'Socket closed with event 4401 Unauthorized: the PVWA did not accept the session token';
    await page.locator('.result-window', { hasText: refused }).waitFor();
    expect(sockets).toHaveLength(3);
    expect(sockets[2].sent[0]).toEqual({ type: 'connection_init', payload: { authorization: 'not-a-session' } });

    // Back to the demo token: a new socket with it.
    await editHeaders({ Authorization: DEMO_TOKEN });
    const again = polled(DEMO_TOKEN);
    await page.locator('.graphiql-execute-button').click();
    await again;
    h.sim.addEvent(DEMO_TOKEN, detected('ide-live-2'));
    expect(await resultShowing(/"ide-live-2"[^]*\}\s*\}\s*\}\s*$/)).toEqual({ data: { securityEventChanged: { kind: 'CREATED', event: { id: 'ide-live-2' } } } });
    expect(sockets.map(({ sent }) => sent[0].payload.authorization)).toEqual([DEMO_TOKEN, 'ide-other', 'not-a-session', DEMO_TOKEN]);
    await page.locator('.graphiql-execute-button').click();
  });

  it('made every request to the gateway only, and broke no Content-Security-Policy rule', () => {
    const gateway = new URL(h.gateway.url).origin;
    expect(requests.length).toBeGreaterThan(6);
    expect(requests.map((r) => new URL(r.url()).origin).filter((origin) => origin !== gateway)).toEqual([]);
    expect(sockets.map(({ socket }) => new URL(socket.url()).host)).toEqual(Array(sockets.length).fill(new URL(gateway).host));
    expect(consoleErrors).toEqual([]);
  });
});
