// Rewrites the README's event table from the event registry (src/events/event-types.ts).
const { execSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
execSync('node scripts/build-if-needed.js', { cwd: root, stdio: 'inherit' });
const { withEventTable } = require(path.join(root, 'dist/src/events/event-table.js'));
const file = path.join(root, 'README.md');
fs.writeFileSync(file, withEventTable(fs.readFileSync(file, 'utf8')));
console.log('README.md: event table updated');
