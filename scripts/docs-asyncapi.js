// Writes docs/asyncapi.json, the AsyncAPI document the code generates (a test fails while the
// committed one differs).
const { execSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
execSync('node scripts/build-if-needed.js', { cwd: root, stdio: 'inherit' });
const { asyncApiSnapshot } = require(path.join(root, 'dist/src/asyncapi/asyncapi-document.js'));
fs.writeFileSync(path.join(root, 'docs', 'asyncapi.json'), asyncApiSnapshot());
console.log('docs/asyncapi.json updated');
