#!/usr/bin/env node
/**
 * Registers the `tslab` Jupyter kernel spec (run by `npm install`): writes kernel.json with the
 * absolute path of this project's node_modules/.bin/tslab into a Jupyter data folder.
 * Folder: $JUPYTER_DATA_DIR if set, else the user's Jupyter data folder
 * (Linux ~/.local/share/jupyter, macOS ~/Library/Jupyter, Windows %APPDATA%\jupyter).
 * Override with --data-dir DIR or $CL_NOTEBOOKS_JUPYTER_DIR. Needs no Python.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');

function userDataDir() {
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Jupyter');
  if (process.platform === 'win32') return path.join(process.env.APPDATA || os.homedir(), 'jupyter');
  const xdg = process.env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(xdg, 'jupyter');
}

function dataDir(argv) {
  const i = argv.indexOf('--data-dir');
  if (i >= 0) {
    if (!argv[i + 1]) throw new Error('--data-dir needs a folder');
    return path.resolve(argv[i + 1]);
  }
  return process.env.CL_NOTEBOOKS_JUPYTER_DIR || process.env.JUPYTER_DATA_DIR || userDataDir();
}

function main() {
  const root = path.resolve(__dirname, '..');
  const bin = path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'tslab.cmd' : 'tslab');
  if (!fs.existsSync(bin)) {
    console.error(`register-kernel: ${bin} not found; run npm install first`);
    process.exit(1);
  }
  const dir = path.join(dataDir(process.argv.slice(2)), 'kernels', 'tslab');
  fs.mkdirSync(dir, { recursive: true });
  const spec = {
    argv: [bin, 'kernel', '--config-path', '{connection_file}'],
    display_name: 'TypeScript',
    language: 'typescript',
  };
  fs.writeFileSync(path.join(dir, 'kernel.json'), JSON.stringify(spec, null, 1) + '\n');
  console.log(`registered the tslab kernel (TypeScript) in ${dir}`);
}

main();
