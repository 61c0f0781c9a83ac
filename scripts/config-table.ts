// Prints the README's configuration table from the configuration schema: npm run docs:config
import { configTable } from '../src/config.js';

process.stdout.write(configTable() + '\n');
