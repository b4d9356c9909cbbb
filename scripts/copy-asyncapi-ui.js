// Copies the AsyncAPI page's renderer files into dist/asyncapi-ui, so a production install
// (runtime dependencies only, as in the Docker image) still serves the page. Run by `npm run build`.
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const { RENDERER_COPY, rendererDirectory } = require(
  path.join(root, 'dist/src/asyncapi/asyncapi-page.js'),
);
const source = rendererDirectory();
if (!source) throw new Error('@asyncapi/react-component is not installed: run npm ci first');
const target = path.join(root, 'dist', 'asyncapi-ui');
for (const file of RENDERER_COPY) {
  fs.mkdirSync(path.dirname(path.join(target, file)), { recursive: true });
  fs.copyFileSync(path.join(source, file), path.join(target, file));
}
fs.copyFileSync(path.join(source, 'LICENSE'), path.join(target, 'LICENSE'));
console.log(`dist/asyncapi-ui: ${RENDERER_COPY.length} renderer files copied`);
