#!/usr/bin/env node
/**
 * `copy`: puts the repository's README.md and LICENSE into the package folder before `npm pack` /
 * `npm publish` (npm ships a package's README and LICENSE, and the repository keeps one of each);
 * `remove`: takes them away again afterwards.
 */
const fs = require('fs');
const path = require('path');

const pkg = path.join(__dirname, '..');
const FILES = ['README.md', 'LICENSE'];
const mode = process.argv[2];
if (mode !== 'copy' && mode !== 'remove') {
  console.error('usage: node scripts/pack-docs.js copy|remove');
  process.exit(2);
}
for (const file of FILES) {
  if (mode === 'copy') fs.copyFileSync(path.join(pkg, '..', file), path.join(pkg, file));
  else fs.rmSync(path.join(pkg, file), { force: true });
}
