// Writes docs/openapi.json, the OpenAPI document the server serves at /api/docs-json, from the
// code alone (no database). A test fails when the snapshot and the code differ.
const { execSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
execSync('node scripts/build-if-needed.js', { cwd: root, stdio: 'inherit' });
const { buildOfflineOpenApiDocument, formatOpenApiDocument } = require(
  path.join(root, 'dist/src/openapi/offline-document.js'),
);

buildOfflineOpenApiDocument().then(
  (document) => {
    fs.writeFileSync(path.join(root, 'docs/openapi.json'), formatOpenApiDocument(document));
    console.log('docs/openapi.json: written');
  },
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
