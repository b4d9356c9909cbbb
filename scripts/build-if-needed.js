// `npm start` and `npm test` build first when dist/ is missing or older than the sources,
// so a fresh clone needs only `npm ci` before either command.
const { execSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const entry = path.join(root, 'dist', 'src', 'main.js');

function newestMtime(target) {
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs
    .readdirSync(target)
    .reduce((newest, name) => Math.max(newest, newestMtime(path.join(target, name))), stat.mtimeMs);
}

const inputs = ['src', 'ormconfig.ts', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];
const built = fs.existsSync(entry) ? fs.statSync(entry).mtimeMs : 0;
const changed = Math.max(...inputs.map((p) => newestMtime(path.join(root, p))));

if (built < changed) {
  console.log('Building (dist/ is missing or older than the sources)...');
  execSync('npx nest build', { cwd: root, stdio: 'inherit' });
  // Touch the entry so an unchanged tree is not rebuilt next time.
  const now = new Date();
  fs.utimesSync(entry, now, now);
}
