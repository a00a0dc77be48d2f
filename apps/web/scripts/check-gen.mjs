// Regenerates the REST types in memory and fails when the committed
// src/api/schema.d.ts differs (the OpenAPI document changed: run `npm run gen`).
import { readFileSync } from 'node:fs';
import { generate, TARGET } from './gen.mjs';

const fresh = await generate();
const committed = readFileSync(TARGET, 'utf8');
if (fresh !== committed) {
  console.error('src/api/schema.d.ts is stale: run `npm run gen` and commit it.');
  process.exit(1);
}
console.log('src/api/schema.d.ts is up to date.');
