#!/usr/bin/env node
/**
 * Builds kernel-lib/native/blas.c into kernel-lib/native/build/blas.node (the native BLAS path, the
 * default where it loads) when a C compiler and Node's headers are present; otherwise says why and
 * exits 0: nothing else depends on it (the wasm kernels run). No download: Node's own headers (include/node next to
 * the node binary, or /usr/include/node) and the system compiler. The BLAS itself is found at run time.
 */
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const native = path.join(__dirname, '..', 'kernel-lib', 'native');
const out = path.join(native, 'build', 'blas.node');

function skip(reason) {
  console.log(`avalanche-ts: native BLAS path not built (${reason}); the wasm kernels will run`);
  process.exit(0);
}

if (process.platform === 'win32') skip('not supported on Windows');
const cc = process.env.CC || 'cc';
if (spawnSync(cc, ['--version'], { stdio: 'ignore' }).status !== 0) skip(`no C compiler '${cc}'`);
const includeDirs = [path.join(path.dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node'];
const include = includeDirs.find((d) => fs.existsSync(path.join(d, 'node_api.h')));
if (!include) skip(`Node's headers (node_api.h) not found in ${includeDirs.join(', ')}`);
fs.mkdirSync(path.dirname(out), { recursive: true });
const flags = ['-O2', '-shared', '-fPIC', '-DNODE_GYP_MODULE_NAME=blas', `-I${include}`, path.join(native, 'blas.c'), '-o', out];
if (process.platform === 'darwin') flags.push('-undefined', 'dynamic_lookup');
else flags.push('-ldl');
const r = spawnSync(cc, flags, { encoding: 'utf8' });
if (r.status !== 0) skip(`${cc} failed: ${(r.stderr || '').split('\n')[0]}`);
console.log(`avalanche-ts: native BLAS path built (${path.relative(process.cwd(), out)}); it runs the matrix products where OpenBLAS is found (AVALANCHE_TS_BLAS=0 or initBackend({ blas: false }) turns it off)`);
