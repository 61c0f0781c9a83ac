// Makes docs/ide.png, the README's picture of the GraphQL IDE, with the same headless Chromium as
// the tests: npx tsx scripts/ide-screenshot.ts
import { DEMO_TOKEN } from '../src/simulator/server.js';
import { launchChromium } from '../test/support/browser.js';
import { startHarness } from '../test/support/harness.js';

const query = `{
  securityEvents(first: 2, filter: { status: OPEN }) {
    totalCount
    nodes { id type score status lastUpdateTime }
  }
}`;

const h = await startHarness({ env: { GRAPHQL_IDE: 'true' }, ide: { defaultHeaders: { Authorization: DEMO_TOKEN } } });
const chromium = await launchChromium();
try {
  const page = await chromium.context.newPage();
  await page.goto(`${h.gateway.url}?query=${encodeURIComponent(query)}`);
  await page.locator('.graphiql-execute-button').click();
  await page.locator('.result-window', { hasText: '"totalCount"' }).waitFor();
  await page.screenshot({ path: new URL('../docs/ide.png', import.meta.url).pathname });
} finally {
  await chromium.close();
  await h.close();
}
