// The README's configuration table, from the configuration schema: `npm run docs:config` writes
// it into README.md (between the table's header and the first line after it that is not a row).
import { readFileSync, writeFileSync } from 'node:fs';
import { configTable } from '../src/config.js';

const README = new URL('../README.md', import.meta.url);
const lines = readFileSync(README, 'utf8').split('\n');
const start = lines.indexOf('| variable | default | meaning |');
if (start === -1) throw new Error('README.md has no configuration table');
let end = start;
while (end < lines.length && lines[end].startsWith('|')) end++;
lines.splice(start, end - start, ...configTable().split('\n'));
writeFileSync(README, lines.join('\n'));
process.stdout.write('README.md: configuration table updated\n');
