import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import esbuild from 'esbuild';
import type { Page } from 'playwright-core';
import { openSession } from '../../src/sessions/seal.js';
import { DEMO_TOKEN } from '../../src/simulator/server.js';
import { launchChromium, type Chromium } from '../support/browser.js';
import { startHarness, type Harness } from '../support/harness.js';
import { testSealer } from '../support/sessions.js';

// The README's Apollo Client 4 examples (examples/browser/, shown verbatim in the README), run as
// written in a headless Chromium against the gateway: bundled for the browser with esbuild from
// this repository's node_modules (no network), served from a page of another origin on the same
// host (http://127.0.0.1:<port>, allowed by the development CORS_ORIGINS), their console read
// line by line. Only the gateway's address is put in place of `localhost:4000`.

const ROOT = new URL('../../', import.meta.url);
const EXAMPLES = ['subscription.js', 'cookie-session.js'];
const readme = readFileSync(new URL('README.md', ROOT), 'utf8');
const source = (name: string) => readFileSync(new URL(`examples/browser/${name}`, ROOT), 'utf8');

describe('the README shows the browser examples as they are in examples/browser/', () => {
  it.each(EXAMPLES)('%s', (name) => {
    const start = `<!-- example:examples/browser/${name}:start -->\n\`\`\`js\n`;
    const at = readme.indexOf(start);
    expect(at).toBeGreaterThan(-1);
    const block = readme.slice(at + start.length, readme.indexOf('```\n<!-- example:end -->', at));
    expect(block).toBe(source(name));
  });
});

describe('the README\'s Apollo Client 4 examples in Chromium', () => {
  let h: Harness;
  let chromium: Chromium;
  let pages: Server;
  let pageOrigin: string;
  /** The bundled script of each example, by name, for the page server. */
  const scripts = new Map<string, string>();

  beforeAll(async () => {
    h = await startHarness({ env: { LIVE_POLL_INTERVAL_MS: '200' }, logLevel: 'info' });
    const gateway = new URL(h.gateway.url).host;
    for (const name of EXAMPLES) {
      const result = await esbuild.build({
        stdin: { contents: source(name).replaceAll('localhost:4000', gateway), resolveDir: new URL('examples/browser/', ROOT).pathname, sourcefile: name, loader: 'js' },
        bundle: true,
        format: 'esm',
        platform: 'browser',
        target: 'es2022',
        write: false,
        logLevel: 'silent',
        define: { 'process.env.NODE_ENV': '"development"' },
      });
      scripts.set(`/${name}`, result.outputFiles[0].text);
    }
    // The page: one module script, from this server's own origin.
    pages = createServer((req, res) => {
      const script = scripts.get(req.url ?? '');
      if (script !== undefined) {
        res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
        return void res.end(script);
      }
      const name = new URL(req.url ?? '/', 'http://page').searchParams.get('example') ?? '';
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><title>example</title><script type="module" src="/${name}"></script>`);
    });
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
    pageOrigin = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
    chromium = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await chromium?.close();
    await new Promise<void>((resolve) => pages.close(() => resolve()));
    await h.close();
  });

  /** Opens the example's page; `lines` are its console lines as they come, `line(n)` waits for the n-th. */
  async function run(name: string): Promise<{ page: Page; lines: string[]; line(n: number): Promise<string> }> {
    const page = await chromium.context.newPage();
    const lines: string[] = [];
    const waiters: Array<() => void> = [];
    page.on('console', (message) => {
      lines.push(message.text());
      for (const waiter of waiters) waiter();
    });
    page.on('pageerror', (error) => {
      lines.push(`page error: ${error.message}`);
      for (const waiter of waiters) waiter();
    });
    await page.goto(`${pageOrigin}/?example=${name}`);
    const line = (n: number) =>
      new Promise<string>((resolve) => {
        const check = () => (lines.length >= n ? (resolve(lines[n - 1]), true) : false);
        if (!check()) waiters.push(() => void check());
      });
    return { page, lines, line };
  }

  /** A new open event, as the PTA would detect it, for `token` (logon sessions share the demo list). */
  const detect = (token: string, id: string) => h.sim.addEvent(token, { id, type: 'VaultViaIrregularIp', score: 80, createTime: Date.now(), lastUpdateTime: Date.now(), mStatus: 'OPEN' });
  const openCount = (token: string) => h.sim.eventsOf(token).filter((event) => event.mStatus === 'OPEN').length;
  /** Resolves once the live hub has polled the session `count` more times (its subscription is registered). */
  const polls = (token: string, count: number) => {
    const live = (call: { headers: Record<string, unknown> }) => String(call.headers['x-request-id']).startsWith('live-') && call.headers.authorization === token;
    return h.sim.received(h.sim.requests.filter(live).length + count, live);
  };

  it('subscription.js: the token in both links; a change, then the end by error through `next`', async () => {
    const open = openCount(DEMO_TOKEN);
    const { page, lines, line } = await run('subscription.js');
    expect(await line(1)).toBe(`open events: ${open}`);
    await polls(DEMO_TOKEN, 1);
    detect(DEMO_TOKEN, 'browser-live-1');
    expect(await line(2)).toBe('CREATED browser-live-1');
    // The session ends upstream: the next poll finds it refused.
    h.sim.revoke(DEMO_TOKEN);
    expect(await line(4)).toBe('the subscription is over');
    expect(lines).toEqual([`open events: ${open}`, 'CREATED browser-live-1', 'the subscription ended: UNAUTHENTICATED', 'the subscription is over']);
    await page.close();
  });

  it('cookie-session.js: logon with the cookie, the session, two pages merged by fetchMore, a change, the end', async () => {
    const { page, lines, line } = await run('cookie-session.js');
    const session = await line(1);
    const [cookie] = (await chromium.context.cookies(h.gateway.url)).filter((c) => c.name === 'pta_session');
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict' });
    const opened = openSession(testSealer(), cookie.value, Date.now(), 43_200_000)!;
    expect(session).toBe(`session: COOKIE until ${new Date(opened.issuedAt + 43_200_000).toISOString()}`);
    const open = openCount(opened.token);
    expect(await line(3)).toBe(`open events: 10 of ${open}`);
    await polls(opened.token, 1);
    detect(opened.token, 'browser-live-2');
    expect(await line(4)).toBe('live: CREATED browser-live-2');
    h.sim.revoke(opened.token);
    expect(await line(6)).toBe('the subscription is over');
    expect(lines).toEqual([
      session,
      `open events: 5 of ${open}`,
      `open events: 10 of ${open}`,
      'live: CREATED browser-live-2',
      'the subscription ended: UNAUTHENTICATED',
      'the subscription is over',
    ]);
    // Every request of the page passed CORS (Apollo Client's client-awareness headers too) and CSRF prevention.
    expect(h.logs.filter((line) => line.msg === 'request refused')).toEqual([]);
    await page.close();
  });
});
