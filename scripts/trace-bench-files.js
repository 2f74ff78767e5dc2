// Runs the bench's tutorial section and writes the list of every project file it loaded (modules,
// package.json files, wasm and native binaries) to the path given as first argument: what a device
// machine without Node or node_modules needs (see scripts/gpu-bundle.sh).
const fs = require('fs');
const opened = new Set();
const origRead = fs.readFileSync;
fs.readFileSync = function (p, ...rest) { if (typeof p === 'string') opened.add(p); return origRead.call(this, p, ...rest); };
const path = require('path');
const root = path.resolve(__dirname, '..');
const out = process.argv[2];
process.on('exit', () => {
  for (const f of Object.keys(require.cache)) opened.add(f);
  const files = [...opened].filter((f) => f.startsWith(root + path.sep));
  // Node resolves packages through their package.json: list those too.
  for (const f of [...files]) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(f);
    if (m && fs.existsSync(`${m[1]}/package.json`)) files.push(`${m[1]}/package.json`);
  }
  files.push(path.join(root, 'package.json'), path.join(root, 'kernel-lib', 'package.json'));
  fs.writeFileSync(out, [...new Set(files)].map((f) => path.relative(root, f)).sort().join('\n') + '\n');
});
process.argv.splice(2, 1, '--only', 'tutorial', '--repeats', '1');
require('./bench.js');
