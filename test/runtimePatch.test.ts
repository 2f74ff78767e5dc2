/**
 * The fixes to dependencies that travel with the package (patches/, applied in memory): a hunk
 * applies only where the installed file matches exactly, and then every later require gets the
 * patched module; the kernel fixes apply to every tslab in the peer dependency's range (1.0.21 is
 * installed beside 1.0.22 as a development dependency for this), and a tslab they do not fit
 * still starts, as plain tslab, saying why.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { repoRoot, runKernelSession, tempDir } from './helpers';

const dist = path.join(repoRoot, 'kernel-lib', 'dist');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const patch = require(path.join(dist, 'utils', 'runtimePatch.js'));
// eslint-disable-next-line @typescript-eslint/no-var-requires
const kernelspec = require(path.join(dist, 'kernel', 'kernelspec.js'));

const DIFF = `A description before the diff is allowed.

diff --git a/lib/a.js b/lib/a.js
--- a/lib/a.js
+++ b/lib/a.js
@@ -2,3 +2,4 @@ function f() {
 const x = 1;
-const y = 2;
+const y = 3;
+const z = 4;
 module.exports = { x, y };
@@ -9,2 +10,2 @@
 // end
-exports.z = 0;
+exports.z = typeof z === 'undefined' ? 0 : z;
`;

test('a unified diff applies where its hunks match exactly (even moved), and fails naming the file and hunk where they do not', () => {
  const [file] = patch.parsePatch(DIFF, 'test.patch');
  assert.equal(file.file, 'lib/a.js');
  assert.equal(file.hunks.length, 2);
  const source = ['// moved down by one line', 'function f() {', 'const x = 1;', 'const y = 2;', 'module.exports = { x, y };', '', '', '', '', '// end', 'exports.z = 0;', ''].join('\n');
  const out = patch.applyFilePatch(source, file, 'test.patch');
  assert.equal(out, ['// moved down by one line', 'function f() {', 'const x = 1;', 'const y = 3;', 'const z = 4;', 'module.exports = { x, y };', '', '', '', '', '// end', "exports.z = typeof z === 'undefined' ? 0 : z;", ''].join('\n'));
  assert.throws(() => patch.applyFilePatch(source.replace('const y = 2;', 'const y = 20;'), file, 'test.patch'), /test\.patch: hunk 1 of 2 for lib\/a\.js \(old line 2, starting "const x = 1;"\) does not match the installed file/);
  assert.throws(() => patch.parsePatch('no diff here', 'empty.patch'), /empty\.patch: no file in the patch/);
});

test('the kernel fixes apply to each tslab in the peer dependency\'s range (1.0.21, 1.0.22); others are refused with what to install', () => {
  for (const dir of ['tslab', 'tslab-1.0.21']) {
    const tslab = kernelspec.tslabAt(fs.realpathSync(path.join(repoRoot, 'node_modules', dir)));
    assert.ok(kernelspec.tslabInRange(tslab.version), tslab.version);
    kernelspec.checkTslab(tslab); // throws when a hunk does not match
  }
  assert.equal(kernelspec.tslabInRange('1.0.15'), false);
  assert.equal(kernelspec.tslabInRange('1.1.0'), false);
  const old = tempDir('clnb-tslab-old-');
  fs.writeFileSync(path.join(old, 'package.json'), JSON.stringify({ name: 'tslab', version: '1.0.15' }));
  assert.throws(() => kernelspec.checkTslab(kernelspec.tslabAt(old)), /tslab 1\.0\.15 at .* is outside the versions avalanche-ts's kernel fixes are made for \(~1\.0\.21\): run `npm install tslab@~1\.0\.21`/);
  assert.throws(() => kernelspec.tslabAt(tempDir()), /no tslab package in/);
});

/** A copy of tslab 1.0.21 inside the repository (so that its dependencies resolve), changed by `edit`. */
function tslabCopy(edit: (dir: string) => void): string {
  fs.mkdirSync(path.join(repoRoot, 'out'), { recursive: true });
  const dir = fs.mkdtempSync(path.join(repoRoot, 'out', 'tslab-copy-'));
  const from = fs.realpathSync(path.join(repoRoot, 'node_modules', 'tslab-1.0.21'));
  fs.cpSync(path.join(from, 'dist'), path.join(dir, 'dist'), { recursive: true });
  fs.cpSync(path.join(from, 'package.json'), path.join(dir, 'package.json'));
  edit(dir);
  return dir;
}

/** A Jupyter data folder with a kernel spec (written as `kernel install` writes it) for the tslab in `dir`. */
function specFor(dir: string): string {
  const data = tempDir('clnb-jupyter-');
  fs.mkdirSync(path.join(data, 'kernels', 'tslab'), { recursive: true });
  fs.writeFileSync(path.join(data, 'kernels', 'tslab', 'kernel.json'), JSON.stringify(kernelspec.kernelSpec(kernelspec.tslabAt(dir), 'TypeScript')));
  return data;
}

test('through the launcher, tslab 1.0.21 numbers cells and sends error messages; a tslab the fixes do not fit starts as plain tslab and says why', { timeout: 180_000 }, () => {
  const v21 = specFor(fs.realpathSync(path.join(repoRoot, 'node_modules', 'tslab-1.0.21')));
  const cells = [{ code: 'const a = 40; a' }, { code: 'throw new TypeError("typed wrong")' }, { code: 'a + 2' }];
  const fixed = runKernelSession(cells, { JUPYTER_DATA_DIR: v21 });
  assert.deepEqual(fixed.steps.map((s) => s.executionCount), [1, 2, 3]);
  assert.equal(fixed.steps[1].errors?.[0]?.ename, 'TypeError');
  assert.equal(fixed.steps[1].errors?.[0]?.evalue, 'typed wrong');
  assert.equal(fixed.steps[2].stdout, '42\n');

  const changed = tslabCopy((dir) => {
    const file = path.join(dir, 'dist', 'executor.js');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('rejectInterruptPromise(interrupted);', 'rejectInterruptPromise(interrupted); // changed'));
  });
  try {
    const plain = runKernelSession(cells, { JUPYTER_DATA_DIR: specFor(changed) });
    assert.deepEqual(plain.steps.map((s) => s.status), ['ok', 'error', 'ok'], 'the kernel runs');
    assert.equal(plain.steps[0].executionCount, undefined, 'without the fixes: no execute_input');
    assert.match(plain.steps[1].stderr ?? '', /typed wrong/, 'without the fixes: the error is stderr text');
    assert.match(plain.log, /avalanche-ts kernel: running tslab 1\.0\.21 without avalanche-ts's kernel fixes \(cell numbers, error messages, the stop button's grace\): tslab\.patch .*: hunk 1 of \d+ for dist\/executor\.js .* does not match the installed file/);
  } finally {
    fs.rmSync(changed, { recursive: true, force: true });
  }
});

test('the patched tslab binds every socket before it receives or sends (zeromq 6 answers EBUSY to a socket busy binding)', async () => {
  // A copy of tslab, so that this process's module cache gets its own patched jupyter.js, and a
  // stand-in for zeromq that records when binds finish and receives start.
  const dir = tslabCopy(() => {});
  try {
    const events: string[] = [];
    class FakeSocket {
      constructor(readonly kind: string) {}
      async bind(address: string) {
        await new Promise((r) => setTimeout(r, 20));
        events.push(`bound ${this.kind} ${address}`);
      }
      [Symbol.asyncIterator]() {
        return { next: () => { events.push(`receive ${this.kind}`); return new Promise(() => {}); } };
      }
    }
    const fake = { Publisher: class extends FakeSocket { constructor() { super('pub'); } }, Router: class extends FakeSocket { constructor() { super('router'); } }, Reply: class extends FakeSocket { constructor() { super('rep'); } } };
    const zmqPath = require.resolve('zeromq', { paths: [dir] });
    const saved = require.cache[zmqPath];
    require.cache[zmqPath] = { exports: fake } as NodeJS.Module;
    try {
      const modules = patch.requirePatched(dir, 'tslab.patch');
      const jupyter = modules.get(path.join(dir, 'dist', 'jupyter.js')) as { ZmqServer: new (handler: unknown, config: string) => { init(): Promise<void> } };
      const config = path.join(tempDir('clnb-conn-'), 'kernel.json');
      fs.writeFileSync(config, JSON.stringify({ transport: 'tcp', ip: '127.0.0.1', iopub_port: 1, shell_port: 2, control_port: 3, stdin_port: 4, hb_port: 5, key: 'k' }));
      await new jupyter.ZmqServer({}, config).init();
      const firstReceive = events.findIndex((e) => e.startsWith('receive'));
      assert.equal(events.filter((e) => e.startsWith('bound')).length, 5, events.join('\n'));
      assert.ok(firstReceive > events.map((e) => e.startsWith('bound')).lastIndexOf(true), `a socket received before every bind finished:\n${events.join('\n')}`);
    } finally {
      if (saved) require.cache[zmqPath] = saved;
      else delete require.cache[zmqPath];
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
