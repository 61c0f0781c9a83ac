import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseAllDocuments } from 'yaml';
import { CONFIG_VARIABLES, configTable, loadConfig } from '../../src/config.js';
import { ErrorCode } from '../../src/errors.js';
import { memoryBudget } from '../../src/memory.js';
import { startHarness, type Harness } from '../support/harness.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const pkg = JSON.parse(read('package.json')) as { name: string; version: string; scripts: Record<string, string> };
type Doc = Record<string, any>;
const manifests = parseAllDocuments(read('deploy/kubernetes.yaml')).map((doc) => {
  expect(doc.errors).toEqual([]);
  return doc.toJS() as Doc;
});
const byKind = (kind: string) => manifests.find((m) => m.kind === kind)!;
const dockerfile = read('Dockerfile');
/** A Kubernetes quantity (Mi, Gi) in MiB. */
const mebibytes = (quantity: string) => {
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity);
  if (!match) throw new Error(`unexpected quantity ${quantity}`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
};

describe('deployment files match the code', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('has a Deployment, a Service and a HorizontalPodAutoscaler that point at each other', () => {
    expect(manifests.map((m) => m.kind).sort()).toEqual(['Deployment', 'HorizontalPodAutoscaler', 'Service']);
    const deployment = byKind('Deployment');
    const service = byKind('Service');
    const hpa = byKind('HorizontalPodAutoscaler');
    expect(service.spec.selector).toEqual(deployment.spec.template.metadata.labels);
    expect(deployment.spec.selector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
  });

  it('runs the image this package builds, on the port the gateway listens on, with resource requests', () => {
    const container = byKind('Deployment').spec.template.spec.containers[0];
    expect(container.image).toBe(`${pkg.name}:${pkg.version}`);
    const port = container.ports.find((p: Doc) => p.name === 'http').containerPort;
    expect(port).toBe(loadConfig({}).PORT);
    expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${port}$`, 'm'));
    expect(byKind('Service').spec.ports[0].targetPort).toBe('http');
    expect(container.resources.requests.cpu).toBeDefined();
    expect(container.resources.requests.memory).toBeDefined();
    for (const { name } of container.env as Doc[]) expect([...Object.keys(CONFIG_VARIABLES), 'NODE_OPTIONS']).toContain(name);
  });

  it('probes endpoints the gateway serves: liveness /healthz, readiness /readyz', async () => {
    const container = byKind('Deployment').spec.template.spec.containers[0];
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    const base = h.gateway.url.replace('/graphql', '');
    for (const path of [container.livenessProbe.httpGet.path, container.readinessProbe.httpGet.path]) {
      expect((await fetch(base + path)).status).toBe(200);
    }
    expect(dockerfile).toContain("/healthz')");
  });

  it('gives shutdown enough time: terminationGracePeriodSeconds exceeds delay plus grace plus the answer window', () => {
    const spec = byKind('Deployment').spec.template.spec;
    const env = Object.fromEntries((spec.containers[0].env as Doc[]).map((e) => [e.name, e.value]));
    expect(spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(Number(env.SHUTDOWN_DELAY_MS) + Number(env.SHUTDOWN_GRACE_MS) + 1000);
  });

  it('sizes the pod from the memory arithmetic of its configuration: limit and heap cover the worst case with margin', () => {
    const container = byKind('Deployment').spec.template.spec.containers[0];
    const env: Record<string, string> = Object.fromEntries((container.env as Doc[]).map((e) => [e.name, e.value]));
    const budget = memoryBudget(loadConfig(env));
    const limitMiB = mebibytes(container.resources.limits.memory);
    const heapMiB = Number(/--max-old-space-size=(\d+)/.exec(env.NODE_OPTIONS)?.[1]);
    // The worst case plus a fifth, in the pod; the heap's worst plus a fifth for the collector.
    expect(limitMiB).toBeGreaterThanOrEqual(budget.totalMiB * 1.2);
    expect(heapMiB).toBeGreaterThanOrEqual(budget.heapMiB * 1.2);
    // A full heap and everything outside it still fit under the limit.
    expect(heapMiB + (budget.totalMiB - budget.heapMiB)).toBeLessThanOrEqual(limitMiB);
    expect(mebibytes(container.resources.requests.memory)).toBeLessThanOrEqual(limitMiB);
    // The comments and the operations guide (its Memory section) say the same numbers.
    expect(read('deploy/kubernetes.yaml')).toContain(`worst case of the default limits is ${budget.totalMiB} MiB`);
    expect(read('deploy/kubernetes.yaml')).toContain(`holds at most ${budget.heapMiB} MiB`);
    expect(read('docs/OPERATIONS.md')).toContain(`| **total** | | **${budget.totalMiB}** | **${budget.heapMiB}** |`);
  });

  it('npm start, the image and the manifest give node the same V8 heap flags', () => {
    const container = byKind('Deployment').spec.template.spec.containers[0];
    const manifestFlags = (container.env as Doc[]).find((e) => e.name === 'NODE_OPTIONS')!.value as string;
    expect(manifestFlags).toBe('--max-old-space-size=960 --max-semi-space-size=8');
    expect(pkg.scripts.start).toBe(`node ${manifestFlags} dist/main.js`);
    expect(dockerfile).toContain(`NODE_OPTIONS="${manifestFlags}"`);
  });

  it('builds a production image: multi-stage, production dependencies only, non-root, NODE_ENV=production', () => {
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(3);
    expect(dockerfile).toContain('npm ci --omit=dev');
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/NODE_ENV=production/);
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
    // The image runs dist/main.js, which the build config compiles from src/main.ts.
    expect(dockerfile).toContain('CMD ["node", "dist/main.js"]');
    const build = JSON.parse(read('tsconfig.build.json')) as { compilerOptions: { rootDir: string; outDir: string } };
    expect(build.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
  });
});

describe('README', () => {
  const readme = read('README.md');

  it('shows the configuration table generated from the configuration schema (npm run docs:config)', () => {
    expect(readme).toContain(configTable());
  });

  it('documents every error code the gateway produces', () => {
    for (const code of Object.values(ErrorCode)) {
      expect(readme).toContain(`| \`${code}\` |`);
    }
  });
});
