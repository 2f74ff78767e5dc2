/**
 * A user's project folder with avalanche-ts installed as a user installs it: `npm pack` of kernel-lib,
 * then `npm install <tarball> tslab` in a fresh folder outside the repository, offline, from npm's
 * cache. The folder gets a lockfile made from the repository's own (the same versions of every
 * package, minus the repository's development tools), since the cache holds the tarballs this
 * repository installed but not the registry's package lists that a fresh resolution would read.
 * Used by test/package.test.ts and `npm run bench -- --only package`.
 */
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.join(__dirname, '..');
const lib = path.join(root, 'kernel-lib');

function run(command, args, options) {
  const r = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (status ${r.status}):\n${r.stderr || r.stdout}`);
  return r;
}

/** Packs the library into `dir`; returns the tarball's path and what `npm pack` listed. */
function packLibrary(dir) {
  const r = run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: lib });
  const [info] = JSON.parse(r.stdout.slice(r.stdout.indexOf('[')));
  return { tarball: path.join(dir, info.filename), files: info.files.map((f) => f.path) };
}

/** The project's dependencies, and a lockfile pinning them (and theirs) to the repository's versions. */
function userLockfile(tarball, tslabVersion) {
  const repoLock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
  const dependencies = { 'avalanche-ts': `file:${tarball}`, tslab: tslabVersion };
  const packages = { '': { name: 'course', dependencies } };
  const { name, ...libEntry } = repoLock.packages['kernel-lib'];
  packages['node_modules/avalanche-ts'] = { ...libEntry, resolved: `file:${tarball}` };
  for (const [key, entry] of Object.entries(repoLock.packages)) {
    // The library's dependencies are hoisted to the root's node_modules; the repository's own
    // development tools are `dev` there, and links are its workspace.
    if (!key.startsWith('node_modules/') || entry.link || entry.dev) continue;
    packages[key] = entry;
  }
  return { dependencies, lock: { name: 'course', lockfileVersion: 3, requires: true, packages } };
}

/**
 * Makes the folder `dir` (outside the repository) a project with the packed library and tslab
 * installed, offline. `denyInstallScript`: the project's `allowScripts` denies our install script (npm
 * matches a tarball dependency by its `file:` spec, not its name), so npm builds nothing at install.
 * Returns the tarball's listing and npm's output.
 */
function makeUserFolder(dir, { denyInstallScript = false } = {}) {
  fs.mkdirSync(dir, { recursive: true });
  const packed = packLibrary(dir);
  const tslabVersion = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'tslab', 'package.json'), 'utf8')).version;
  const { dependencies, lock } = userLockfile(packed.tarball, tslabVersion);
  const allowScripts = denyInstallScript ? { [dependencies['avalanche-ts']]: false } : undefined;
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'course', private: true, dependencies, allowScripts }, null, 2));
  fs.writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify(lock, null, 1));
  const install = run('npm', ['install', '--offline', '--no-audit', '--no-fund'], { cwd: dir });
  return { ...packed, npmOutput: install.stdout + install.stderr };
}

module.exports = { makeUserFolder, packLibrary };
