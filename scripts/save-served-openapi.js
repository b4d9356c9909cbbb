#!/usr/bin/env node
/**
 * Saves the OpenAPI document a running server serves (`/api/docs-json`) as docs/openapi.json,
 * the snapshot the generated client is built from (`npm run client:generate`).
 *
 *   npm start                                   # in another terminal
 *   node scripts/save-served-openapi.js [http://localhost:5000]
 */
const { writeFileSync } = require('node:fs');
const path = require('node:path');

const base = (process.argv[2] ?? 'http://localhost:5000').replace(/\/+$/, '');
const target = path.resolve(__dirname, '..', 'docs', 'openapi.json');

async function main() {
  const response = await fetch(`${base}/api/docs-json`);
  if (!response.ok) throw new Error(`${base}/api/docs-json answered ${response.status}`);
  const document = await response.json();
  writeFileSync(target, JSON.stringify(document, null, 2) + '\n');
  console.log(`wrote ${path.relative(process.cwd(), target)} from ${base}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
