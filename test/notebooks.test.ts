/**
 * Executes every notebook in notebooks/ through the real tslab kernel with Jupyter's nbconvert
 * (nbclient) and checks its outputs. Needs Jupyter: without it the test fails (never skips).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tempDir } from './helpers';

const root = path.resolve(__dirname, '..');
const notebooksDir = path.join(root, 'notebooks');

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  ename?: string;
  evalue?: string;
  data?: Record<string, string | string[]>;
}
interface Cell {
  cell_type: string;
  source: string | string[];
  outputs?: Output[];
}

const join = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join('') : v ?? '');

/** All the text a notebook's code cells printed, and its problems (error outputs, stderr). */
function readOutputs(file: string): { text: string; problems: string[]; cells: Cell[] } {
  const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: Cell[] };
  const problems: string[] = [];
  let text = '';
  for (const cell of nb.cells.filter((c) => c.cell_type === 'code')) {
    for (const out of cell.outputs ?? []) {
      if (out.output_type === 'error') problems.push(`error output: ${out.ename}: ${out.evalue}`);
      if (out.output_type === 'stream' && out.name === 'stderr') problems.push(`stderr: ${join(out.text)}`);
      if (out.output_type === 'stream') text += join(out.text);
      if (out.data?.['text/plain']) text += join(out.data['text/plain']) + '\n';
    }
  }
  return { text, problems, cells: nb.cells };
}

let kernelDir: string | null = null;

/** A Jupyter data folder holding this project's tslab kernel spec, made by the project's own script. */
function registerKernel(): string {
  if (kernelDir) return kernelDir;
  const dir = tempDir('clnb-jupyter-');
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'register-kernel.js'), '--data-dir', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'kernels', 'tslab', 'kernel.json'), 'utf8'));
  assert.equal(spec.argv[0], path.join(root, 'node_modules', '.bin', 'tslab'));
  kernelDir = dir;
  return dir;
}

function execute(notebook: string): { text: string; problems: string[] } {
  const version = spawnSync('jupyter', ['nbconvert', '--version'], { encoding: 'utf8' });
  assert.equal(version.status, 0, 'Jupyter nbconvert is not installed: apt-get install jupyter-nbconvert python3-nbclient (see README)');
  const dataDir = registerKernel();
  const outDir = tempDir('clnb-out-');
  const output = path.join(outDir, path.basename(notebook));
  const r = spawnSync(
    'jupyter',
    ['nbconvert', '--to', 'notebook', '--execute', '--ExecutePreprocessor.timeout=600', '--ExecutePreprocessor.kernel_name=tslab', '--output', output, notebook],
    { encoding: 'utf8', env: { ...process.env, JUPYTER_DATA_DIR: dataDir, AVALANCHE_TS_OFFLINE: '1' } },
  );
  assert.equal(r.status, 0, `nbconvert failed on ${notebook}:\n${r.stderr.split('\n').slice(-25).join('\n')}`);
  const result = readOutputs(output);
  assert.deepEqual(result.problems, [], `problems in ${notebook}`);
  return result;
}

const notebooks = fs.readdirSync(notebooksDir).filter((f) => f.endsWith('.ipynb')).sort();

test('there are notebooks, each with the tslab kernelspec and saved outputs', () => {
  assert.ok(notebooks.length >= 1);
  for (const name of notebooks) {
    const nb = JSON.parse(fs.readFileSync(path.join(notebooksDir, name), 'utf8'));
    assert.equal(nb.metadata.kernelspec.name, 'tslab', name);
    const saved = readOutputs(path.join(notebooksDir, name));
    assert.deepEqual(saved.problems, [], `saved outputs of ${name}`);
    assert.ok(saved.text.length > 0, `${name} is saved with its outputs`);
  }
});

test('01-training-loop: the tutorial loop runs in the kernel: 5 experiences, stream accuracy after each', () => {
  const file = path.join(notebooksDir, notebooks.find((n) => n.startsWith('01-'))!);
  const { text } = execute(file);
  assert.match(text, /avalanche-ts: tensor backend 'wasm' \(SIMD/);
  assert.equal((text.match(/Start of experience: {2}\d/g) ?? []).length, 5);
  assert.equal((text.match(/Current Classes: {2}\[ \d, \d \]/g) ?? []).length, 5);
  assert.equal((text.match(/Top1_Acc_Stream\/eval_phase\/test_stream\/Task000 = 0\.\d{4}/g) ?? []).length, 5);
  assert.equal((text.match(/Epoch 0 ended\./g) ?? []).length, 5);
  const accs = [...text.matchAll(/after experience (\d): stream accuracy (\d\.\d+)/g)].map((m) => Number(m[2]));
  assert.equal(accs.length, 5);
  assert.ok(accs.every((a) => a >= 0 && a <= 1));
  assert.ok(accs[4] > 0.12 && accs[4] < 0.35, `final stream accuracy ${accs[4]}`);
  // The saved notebook shows the same run (same seeds, same data).
  const saved = readOutputs(file).text;
  assert.match(saved, new RegExp(`after experience 4: stream accuracy ${accs[4].toFixed(4)}`));
});

test('02-buffers-and-replay: loaders, buffers and the custom replay plugin run in the kernel', () => {
  const file = path.join(notebooksDir, notebooks.find((n) => n.startsWith('02-'))!);
  const { text } = execute(file);
  // GroupBalancedDataLoader over 5 tasks, batch 20: 4 of each task.
  assert.match(text, /\[0,0,0,0,1,1,1,1,2,2,2,2,3,3,3,3,4,4,4,4\]/);
  const sizes = [...text.matchAll(/Max buffer size: (\d+), current size: (\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
  assert.deepEqual(sizes, [[30, 0], ...Array(5).fill([30, 30]), [30, 0], ...Array(5).fill([30, 30])]);
  const targets = [...text.matchAll(/class targets: \[([\d,]+)\]/g)].map((m) => m[1].split(',').map(Number));
  assert.equal(targets.length, 10);
  // The class-balanced buffer ends with 3 of each class; its groups say so too.
  const last = targets[9];
  for (let c = 0; c < 10; c++) assert.equal(last.filter((t) => t === c).length, 3, `class ${c}`);
  assert.equal((text.match(/\(group \d\) -> size 3/g) ?? []).length, 10);
  assert.equal((text.match(/Override the dataloader\./g) ?? []).length, 4);
  assert.equal((text.match(/Buffer update\./g) ?? []).length, 5);
  const accs = [...text.matchAll(/after experience (\d): stream accuracy (\d\.\d+)/g)].map((m) => Number(m[2]));
  assert.equal(accs.length, 5);
  assert.ok(accs[4] >= 0.7, `final replay accuracy ${accs[4]}`);
  assert.match(text, /buffer: 500 samples; per class (\d: 50, ){9}\d: 50/);
});
