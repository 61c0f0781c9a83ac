/**
 * The import rules of src/ (docs/ARCHITECTURE.md): no circle, and no import from a floor to one
 * above it. Checked by test/architecture.test.ts, and by hand with
 * `npx depcruise src --config .dependency-cruiser.cjs`.
 */

/** The floors, top to bottom: a module may import its own floor or any floor below it. */
const FLOORS = [
  ['src/main.ts'],
  ['src/gateway.ts'],
  ['src/http/'],
  ['src/apollo.ts'],
  ['src/context.ts'],
  ['src/graph/', 'src/config.ts', 'src/memory.ts'],
  ['src/events/', 'src/sessions/', 'src/accounts/'],
  ['src/telemetry/', 'src/errors.ts'],
  ['src/pvwa/', 'src/executor.ts', 'src/simulator/'],
  ['src/tracing/'],
];

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const pattern = (paths) => `^(${paths.map((path) => (path.endsWith('/') ? escape(path) : `${escape(path)}$`)).join('|')})`;

const upward = FLOORS.slice(1).map((floor, i) => ({
  name: `no-upward-import-from-${floor.join('+').replace(/[^\w+]/g, '_')}`,
  comment: `${floor.join(', ')} must not import a floor above it`,
  severity: 'error',
  from: { path: pattern(floor) },
  to: { path: pattern(FLOORS.slice(0, i + 1).flat()) },
}));

const everyFloor = pattern(FLOORS.flat());

module.exports = {
  forbidden: [
    {
      name: 'on-a-floor',
      comment: 'Every module of src/ is on a floor (add a new folder or file to FLOORS).',
      severity: 'error',
      from: { path: '^src/', pathNot: everyFloor },
      to: {},
    },
    {
      name: 'imports-on-a-floor',
      comment: 'Every module of src/ that is imported is on a floor.',
      severity: 'error',
      from: {},
      to: { path: '^src/', pathNot: everyFloor },
    },
    {
      name: 'no-circular',
      comment: 'No import circle, type-only imports included.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...upward,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    includeOnly: '^src/',
  },
};
