#!/usr/bin/env node
/**
 * Builds native/blas.c into native/build/blas.node, the addon of the native BLAS path (the default
 * where it loads), when a C compiler and Node's headers are present. No download: Node's own headers
 * (include/node next to the node binary, or /usr/include/node) and the system compiler; the BLAS
 * itself is found at run time. Never fails: where it cannot build, it says why in one line and exits
 * 0 (the wasm kernels run instead).
 *
 * It is the package's install script, which npm runs only where the installing project allows it
 * (`allowScripts`); `avalanche-ts kernel install` and `avalanche-ts build-native` run it too.
 */
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const native = path.join(__dirname, '..', 'native');
/** Where the library looks for the addon (backend/nativeBlas.ts). */
const ADDON = path.join(native, 'build', 'blas.node');

/** Builds the addon; returns { built: true } or { built: false, reason }. Prints nothing. */
function buildNative() {
  if (process.platform === 'win32') return { built: false, reason: 'not supported on Windows' };
  const cc = process.env.CC || 'cc';
  if (spawnSync(cc, ['--version'], { stdio: 'ignore' }).status !== 0) return { built: false, reason: `no C compiler '${cc}' (apt-get install gcc)` };
  const includeDirs = [path.join(path.dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node'];
  const include = includeDirs.find((d) => fs.existsSync(path.join(d, 'node_api.h')));
  if (!include) return { built: false, reason: `Node's headers (node_api.h) not found in ${includeDirs.join(', ')}` };
  try {
    fs.mkdirSync(path.dirname(ADDON), { recursive: true });
  } catch (error) {
    return { built: false, reason: `cannot write ${path.dirname(ADDON)}: ${error.code || error.message}` };
  }
  // Written beside the addon and renamed over it, so that a process that has it loaded keeps a whole file.
  const tmp = `${ADDON}.${process.pid}.tmp`;
  const flags = ['-O2', '-shared', '-fPIC', '-DNODE_GYP_MODULE_NAME=blas', `-I${include}`, path.join(native, 'blas.c'), path.join(native, 'batchnorm.c'), '-o', tmp];
  if (process.platform === 'darwin') flags.push('-undefined', 'dynamic_lookup');
  else flags.push('-ldl', '-lm');
  const r = spawnSync(cc, flags, { encoding: 'utf8' });
  if (r.status !== 0) {
    fs.rmSync(tmp, { force: true });
    return { built: false, reason: `${cc} failed: ${(r.stderr || r.error?.message || '').split('\n')[0]}` };
  }
  fs.renameSync(tmp, ADDON);
  return { built: true };
}

module.exports = { ADDON, buildNative };

if (require.main === module) {
  const r = buildNative();
  console.log(r.built
    ? `avalanche-ts: native BLAS path built (${ADDON}); it runs the matrix products where OpenBLAS is found (AVALANCHE_TS_BLAS=0 turns it off)`
    : `avalanche-ts: native BLAS path not built (${r.reason}); the wasm kernels will run`);
}
