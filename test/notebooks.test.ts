/**
 * Executes every notebook in notebooks/ through the real tslab kernel with Jupyter's nbconvert
 * (nbclient) and checks its outputs. Needs Jupyter: without it the test fails (never skips).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { registerKernel, tempDir } from './helpers';
import { decodeEventFile } from './eventFileDecoder';
import { decodePng } from 'avalanche-ts';

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

function execute(notebook: string, env: Record<string, string> = {}): { text: string; problems: string[]; cells: Cell[] } {
  const version = spawnSync('jupyter', ['nbconvert', '--version'], { encoding: 'utf8' });
  assert.equal(version.status, 0, 'Jupyter nbconvert is not installed: apt-get install jupyter-nbconvert python3-nbclient (see README)');
  const dataDir = registerKernel();
  const outDir = tempDir('clnb-out-');
  const output = path.join(outDir, path.basename(notebook));
  const r = spawnSync(
    'jupyter',
    ['nbconvert', '--to', 'notebook', '--execute', '--ExecutePreprocessor.timeout=600', '--ExecutePreprocessor.kernel_name=tslab', '--output', output, notebook],
    { encoding: 'utf8', env: { ...process.env, JUPYTER_DATA_DIR: dataDir, AVALANCHE_TS_OFFLINE: '1', ...env } },
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
    // Numbered as after a Python kernel: the kernel publishes execute_input, where nbclient takes the count from.
    const counts = nb.cells.filter((c: Cell) => c.cell_type === 'code').map((c: { execution_count: number | null }) => c.execution_count);
    assert.deepEqual(counts, counts.map((_: unknown, i: number) => i + 1), `${name}: execution counts ${counts}`);
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

test('03-comprehensive-evaluation: every tutorial metric, log.txt grows across two runs, the event file decodes', () => {
  const source = path.join(notebooksDir, notebooks.find((n) => n.startsWith('03-'))!);
  // A working folder inside the repository, so that the notebook resolves avalanche-ts as usual.
  const work = path.join(root, 'out', `nbtest-${process.pid}-${Date.now()}`);
  fs.mkdirSync(work, { recursive: true });
  const copy = path.join(work, path.basename(source));
  fs.copyFileSync(source, copy);
  try {
    const first = execute(copy);
    const size1 = fs.statSync(path.join(work, 'log.txt')).size;
    const second = execute(copy);
    const size2 = fs.statSync(path.join(work, 'log.txt')).size;
    assert.ok(size1 > 1000 && size2 > size1, `log.txt ${size1} then ${size2} bytes`);
    const log = fs.readFileSync(path.join(work, 'log.txt'), 'utf8');
    assert.equal((log.match(/-- >> Start of training phase << --/g) ?? []).length, 10, 'both runs are in the log');
    for (const { text } of [first, second]) {
      assert.equal((text.match(/Start of experience: {2}\d/g) ?? []).length, 5);
      assert.match(text, /^5 results, 37 metric names in the last one:/m);
      for (const name of [
        'Top1_Acc_MB/train_phase/train_stream/Task000', 'Loss_Epoch/train_phase/train_stream/Task000',
        'Top1_Acc_Exp/eval_phase/test_stream/Task000/Exp004', 'Loss_Stream/eval_phase/test_stream/Task000',
        'Time_Epoch/train_phase/train_stream/Task000', 'RunningTime_Epoch/train_phase/train_stream/Task000',
        'ExperienceForgetting/eval_phase/test_stream/Task000/Exp000', 'StreamForgetting/eval_phase/test_stream',
        'CPUUsage_Exp/eval_phase/test_stream/Task000/Exp002', 'ConfusionMatrix_Stream/eval_phase/test_stream',
        'DiskUsage_MB/train_phase/train_stream/Task000', 'DiskUsage_Stream/eval_phase/test_stream/Task000',
      ]) {
        assert.ok(text.includes(`  ${name}\n`), `metric ${name} in the results`);
      }
      const rows = [...text.matchAll(/^ {2}after (\d): ((?:\d\.\d{4} ?){5})$/gm)];
      assert.equal(rows.length, 5, 'a 5 x 5 accuracy matrix');
      const final = Number(/final stream accuracy: (\d\.\d+)/.exec(text)![1]);
      assert.ok(final > 0.12 && final < 0.35, `final stream accuracy ${final}`);
    }
    const eventFiles = fs.readdirSync(path.join(work, 'tb_data'));
    assert.equal(eventFiles.length, 2, 'one event file per run');
    const events = decodeEventFile(fs.readFileSync(path.join(work, 'tb_data', eventFiles[0])));
    const tags = new Set(events.map((e) => e.tag).filter(Boolean));
    assert.ok(tags.has('Top1_Acc_MB/train_phase/train_stream/Task000') && tags.has('StreamForgetting/eval_phase/test_stream'));
    const mbSteps = events.filter((e) => e.tag === 'Top1_Acc_MB/train_phase/train_stream/Task000').map((e) => e.step);
    // Avalanche's clock counts an iteration after its hooks: the first minibatch value sits at step 0.
    assert.deepEqual(mbSteps, mbSteps.map((_, i) => i), 'one minibatch scalar per training iteration, at its step');
    assert.equal(events.filter((e) => e.image).length, 5, 'the confusion matrix as an image after each evaluation');
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});

test('04-looking-inside-the-buffer: charts as full MIME bundles (Vega-Lite, PNG, SVG), exemplars, tables, Plotly with a static picture, under 1.5 MB', () => {
  const file = path.join(notebooksDir, notebooks.find((n) => n.startsWith('04-'))!);
  const { text, cells } = execute(file);
  const displays = cells.flatMap((c) => c.outputs ?? []).filter((o) => o.output_type === 'display_data');
  const charts = displays.filter((o) => o.data?.['application/vnd.vegalite.v5+json']);
  assert.ok(charts.length >= 9, `${charts.length} Vega-Lite charts`);
  for (const chart of charts) {
    const svg = join(chart.data!['image/svg+xml']);
    assert.ok(svg.startsWith('<svg') && svg.includes('role-mark'), 'an SVG rendered in Node with marks');
    assert.equal(chart.data!['text/html'], undefined, 'no HTML: JupyterLab would pick it over the chart');
    assert.ok(decodePng(Buffer.from(join(chart.data!['image/png']), 'base64')).width > 100, 'a PNG of the chart');
  }
  // The live plot ended as one output (updated in place), holding every minibatch value.
  const live = charts.find((o) => join(o.data!['text/plain']).includes('Naive, live'))!;
  const liveRows = (live.data!['application/vnd.vegalite.v5+json'] as unknown as { data: { values: unknown[] } }).data.values;
  // Every point: Loss_MB and Top1_Acc_MB for each of the ~81 iterations (7,996 samples / 100), plus the 5 stream accuracies.
  assert.ok(liveRows.length >= 2 * 80 + 5, `${liveRows.length} live points`);
  assert.equal(charts.filter((o) => join(o.data!['text/plain']).includes('Naive, live')).length, 1);
  const grid = displays.find((o) => join(o.data?.['text/plain']).startsWith('<exemplar grid'))!;
  assert.equal((join(grid.data!['text/html']).match(/<img alt="class \d"/g) ?? []).length, 10);
  assert.ok(grid.data!['image/png']);
  assert.match(text, /#\s+sample id\s+class\s+task\s+experience/);
  const plotly = displays.filter((o) => o.data?.['application/vnd.plotly.v1+json']);
  assert.equal(plotly.length, 1);
  assert.ok(decodePng(Buffer.from(join(plotly[0].data!['image/png']), 'base64')).width > 100, 'the Plotly figure has a static picture');
  assert.ok(fs.statSync(file).size < 1.5 * 1024 * 1024, `notebook 04 is ${fs.statSync(file).size} bytes`);
  const accs = /final stream accuracy: Naive (\d\.\d+), Replay (\d\.\d+)/.exec(text)!;
  assert.ok(Number(accs[1]) < 0.35 && Number(accs[2]) > Number(accs[1]) + 0.2, `Naive ${accs[1]}, Replay ${accs[2]}`);
});

test('05-regularization-strategies: EWC, SI, MAS, LwF on task-incremental, EWC/SI/LFL on PermutedMNIST, LwF/LFL class-incremental', () => {
  const file = path.join(notebooksDir, notebooks.find((n) => n.startsWith('05-'))!);
  const { text, cells } = execute(file);
  const ti = [...text.matchAll(/^(\w+)\s+mean task accuracy (\d\.\d+)\s+forgetting (-?\d\.\d+)\s+mean penalty in the last experience (\S+)$/gm)];
  assert.deepEqual(ti.map((m) => m[1]), ['Naive', 'EWC', 'SI', 'MAS', 'LwF']);
  for (const m of ti) {
    assert.ok(Number(m[2]) > 0.93, `${m[1]} task accuracy ${m[2]}`);
    if (m[1] !== 'Naive') assert.ok(Number(m[4]) > 0, `${m[1]} penalty ${m[4]}`);
  }
  const di = Object.fromEntries([...text.matchAll(/^(\w+)\s+mean accuracy (\d\.\d+)\s+forgetting (-?\d\.\d+)$/gm)].map((m) => [m[1], Number(m[3])]));
  assert.deepEqual(Object.keys(di), ['Naive', 'EWC', 'SI', 'LFL']);
  assert.ok(di.EWC <= 0.7 * di.Naive, JSON.stringify(di));
  const ci = Object.fromEntries([...text.matchAll(/^(\w+)\s+final stream accuracy (\d\.\d+)$/gm)].map((m) => [m[1], Number(m[2])]));
  assert.ok(ci.LwF > ci.Naive && ci.LFL > ci.Naive, JSON.stringify(ci));
  const charts = cells.flatMap((c) => c.outputs ?? []).filter((o) => o.output_type === 'display_data' && o.data?.['application/vnd.vegalite.v5+json']);
  assert.ok(charts.length >= 4, `${charts.length} charts`);
});

test('06-rehearsal-and-projection: nine strategies with 500 samples of memory, accuracy matrices, GDumb\'s and iCaRL\'s buffers, DER\'s logits, iCaRL\'s herding exemplars', () => {
  const file = path.join(notebooksDir, notebooks.find((n) => n.startsWith('06-'))!);
  const { text, cells } = execute(file);
  const acc = Object.fromEntries([...text.matchAll(/^(\w+)\s+final accuracy (\d\.\d+)/gm)].map((m) => [m[1], Number(m[2])]));
  assert.deepEqual(Object.keys(acc), ['Naive', 'Replay', 'GDumb', 'GEM', 'AGEM', 'ICaRL', 'DER', 'ER_ACE', 'Cumulative']);
  for (const name of ['Replay', 'GDumb', 'GEM', 'AGEM', 'ICaRL', 'DER', 'ER_ACE']) assert.ok(acc[name] > acc.Naive + 0.4, JSON.stringify(acc));
  assert.ok(acc.Cumulative > 0.85, JSON.stringify(acc));
  assert.equal((text.match(/^sample\s+\d+ class \d \(experience \d\):(\s+-?\d+\.\d){10}$/gm) ?? []).length, 5, 'DER\'s stored logits, ten per row');
  const displays = cells.flatMap((c) => c.outputs ?? []).filter((o) => o.output_type === 'display_data');
  assert.ok(displays.filter((o) => o.data?.['application/vnd.vegalite.v5+json']).length >= 4);
  assert.equal(displays.filter((o) => join(o.data?.['text/plain']).startsWith('<exemplar grid: 500 samples, 10 classes (0: 50, 1: 50')).length, 2);
});

test('07-sweeps-over-seeds: a pool started ahead, Naive and Replay over 3 seeds on its worker processes, summary table, band chart, file round trip', () => {
  const file = path.join(notebooksDir, notebooks.find((n) => n.startsWith('07-'))!);
  const { text, cells } = execute(file);
  const runs = [...text.matchAll(/^(Naive|Replay)\s+seed (\d): final stream accuracy (\d\.\d+) \([\d.]+ s on worker (\d+)\)$/gm)];
  assert.equal(runs.length, 6, text);
  assert.equal(new Set(runs.map((m) => m[4])).size, 2, 'two worker processes');
  const ready = text.match(/^pool ready: 2 workers \((\d+), (\d+)\) in [\d.]+ s$/m);
  assert.ok(ready, text);
  assert.ok(runs.every((m) => m[4] === ready[1] || m[4] === ready[2]), 'the runs ran on the workers started ahead');
  const summary = Object.fromEntries([...text.matchAll(/^strategy=(\w+) \| Top1_Acc_Stream\S+ \| n=3 \| (\d\.\d+) ± (\d\.\d+)/gm)].map((m) => [m[1], Number(m[2])]));
  assert.ok(summary.Replay > summary.Naive + 0.15, JSON.stringify(summary));
  const naive = runs.filter((m) => m[1] === 'Naive').map((m) => Number(m[3]));
  assert.ok(Math.abs(summary.Naive - naive.reduce((a, b) => a + b, 0) / 3) < 1e-3, 'the mean of the runs');
  assert.match(text, /^6 rows loaded; same summary: true$/m);
  const bands = cells.flatMap((c) => c.outputs ?? []).filter((o) => join(o.data?.['text/plain']).includes('mean ± sd over seeds'));
  assert.equal(bands.length, 1);
  assert.match(text, /^sweep of 6 runs: 6 done, 0 running, 0 failed, 0 waiting \(of 6\)$/m);
  assert.doesNotMatch(text, /tensor backend/, 'no library notices from the workers');
});

test('08-convnets: every cell runs on Fashion-MNIST and, switched by its DATA line, on CIFAR-10 files in torchvision\'s binary layout; the saved notebook is the full run', () => {
  const file = path.join(notebooksDir, notebooks.find((n) => n.startsWith('08-'))!);
  const results = /^(SimpleCNN|SlimResNet18)\s+(Naive|Replay|DER)\s+stream accuracy after each experience: ((?:\d\.\d{3} ?){5})\s+\(training (\d+) s, evaluation (\d+) s\)$/gm;
  // A few images per experience: every cell, both models, the three strategies.
  const fm = execute(file, { NB08_SUBSET: '32' }).text;
  assert.match(fm, /^fmnist: 160 training and 160 test images of shape \[28,28\], read from folder$/m);
  assert.equal([...fm.matchAll(results)].length, 6, fm);
  // The same cells on CIFAR-10 (the binary version: no checksum table to match), augmented by Avalanche's transforms.
  const cifarRoot = tempDir('nb08-cifar-');
  const made = spawnSync('/usr/bin/python3', [path.join(root, 'test', 'make_vision_data.py'), 'cifar10-bin', cifarRoot], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const c10 = execute(file, { NB08_DATA: 'cifar10', NB08_SUBSET: '32', NB08_ROOT: cifarRoot }).text;
  assert.match(c10, /^cifar10: 20 training and 10 test images of shape \[32,32,3\], read from folder$/m);
  assert.match(c10, /^training transform: \{"kind":"Compose","transforms":\[\{"kind":"RandomCrop","size":\[32,32\],"padding":\[4,4,4,4\]/m);
  assert.equal([...c10.matchAll(results)].length, 6, c10);
  // The saved outputs are the full Fashion-MNIST run: both models forget with Naive, and a memory of 500 keeps much more.
  const saved = readOutputs(file).text;
  assert.match(saved, /^fmnist: 60000 training and 10000 test images of shape \[28,28\], read from folder$/m);
  const final = Object.fromEntries([...saved.matchAll(results)].map((m) => [`${m[1]} ${m[2]}`, Number(m[3].trim().split(' ').pop())]));
  assert.equal(Object.keys(final).length, 6, saved);
  for (const model of ['SimpleCNN', 'SlimResNet18']) {
    assert.ok(final[`${model} Naive`] < 0.3, `${model} Naive forgets: ${final[`${model} Naive`]}`);
    assert.ok(final[`${model} Replay`] > final[`${model} Naive`] + 0.2 && final[`${model} DER`] > final[`${model} Naive`] + 0.2, JSON.stringify(final));
  }
});

test('01-training-loop on the webgpu backend (Mesa software renderer): the tutorial loop runs in the kernel', () => {
  const file = path.join(notebooksDir, notebooks.find((n) => n.startsWith('01-'))!);
  const { text } = execute(file, { AVALANCHE_TS_BACKEND: 'webgpu', AVALANCHE_TS_WEBGPU: 'software' });
  assert.match(text, /avalanche-ts: tensor backend 'webgpu' \(llvmpipe/);
  assert.equal((text.match(/Start of experience: {2}\d/g) ?? []).length, 5);
  const accs = [...text.matchAll(/after experience (\d): stream accuracy (\d\.\d+)/g)].map((m) => Number(m[2]));
  assert.equal(accs.length, 5);
  // Dropout masks come from a device pool on webgpu, so the numbers differ a little from wasm's; Naive still forgets.
  assert.ok(accs.every((a) => a >= 0 && a <= 1));
  assert.ok(accs[4] > 0.12 && accs[4] < 0.35, `final stream accuracy ${accs[4]}`);
});

test('02, 03 and 04 on the webgpu backend (Mesa software renderer): replay, every metric and the buffer views run as on wasm', () => {
  const webgpu = { AVALANCHE_TS_BACKEND: 'webgpu', AVALANCHE_TS_WEBGPU: 'software' };
  const replay = execute(path.join(notebooksDir, notebooks.find((n) => n.startsWith('02-'))!), webgpu).text;
  assert.match(replay, /avalanche-ts: tensor backend 'webgpu' \(llvmpipe/);
  const accs = [...replay.matchAll(/after experience (\d): stream accuracy (\d\.\d+)/g)].map((m) => Number(m[2]));
  assert.equal(accs.length, 5);
  assert.ok(accs[4] >= 0.6, `final replay accuracy on webgpu ${accs[4]}`);
  assert.match(replay, /buffer: 500 samples; per class (\d: 50, ){9}\d: 50/);
  // 03 writes log.txt and TensorBoard files next to itself: run a copy in a working folder.
  const work = path.join(root, 'out', `nbtest-webgpu-${process.pid}-${Date.now()}`);
  fs.mkdirSync(work, { recursive: true });
  try {
    const copy = path.join(work, notebooks.find((n) => n.startsWith('03-'))!);
    fs.copyFileSync(path.join(notebooksDir, path.basename(copy)), copy);
    const evaluation = execute(copy, webgpu).text;
    assert.match(evaluation, /^5 results, 37 metric names in the last one:/m);
    assert.equal((evaluation.match(/ConfusionMatrix_Stream\/eval_phase\/test_stream = /g) ?? []).length, 5);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const buffers = execute(path.join(notebooksDir, notebooks.find((n) => n.startsWith('04-'))!), webgpu).text;
  const final = /final stream accuracy: Naive (\d\.\d+), Replay (\d\.\d+)/.exec(buffers)!;
  assert.ok(final, 'the Naive and Replay runs finish');
  assert.ok(Number(final[2]) > Number(final[1]) + 0.2, `Naive ${final[1]}, Replay ${final[2]} on webgpu`);
});

test('npm start without Jupyter stops with a message saying how to install it', () => {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'run-notebook.js'), path.join(notebooksDir, notebooks[0])], {
    encoding: 'utf8',
    env: { ...process.env, PATH: '/nonexistent' },
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /Jupyter \(nbconvert with nbclient\) is needed .*\n.*\n\s+sudo apt-get install jupyter-nbconvert python3-nbclient/);
  assert.match(r.stderr, /python3 -m pip install nbconvert nbclient/);
});

test('npm start uses this checkout\'s kernel even when Jupyter\'s tslab spec points at a deleted checkout, and says so', () => {
  const stale = tempDir('clnb-stale-');
  fs.mkdirSync(path.join(stale, 'kernels', 'tslab'), { recursive: true });
  fs.writeFileSync(path.join(stale, 'kernels', 'tslab', 'kernel.json'), JSON.stringify({ argv: ['/deleted/checkout/node_modules/.bin/tslab', 'kernel', '--config-path', '{connection_file}'], display_name: 'TypeScript', language: 'typescript' }));
  const nb = path.join(tempDir('clnb-tiny-'), 'tiny.ipynb');
  const cell = { cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: ['console.log(6 * 7)'] };
  fs.writeFileSync(nb, JSON.stringify({ cells: [cell], metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } }, nbformat: 4, nbformat_minor: 5 }));
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'run-notebook.js'), nb], { encoding: 'utf8', env: { ...process.env, JUPYTER_PATH: stale } });
  assert.equal(r.status, 0, r.stderr.slice(-2000));
  assert.match(r.stdout, /-- cell 1 --\n42\n/);
  assert.match(r.stderr, /note: Jupyter's tslab kernel \(.*kernel\.json\) runs \/deleted\/checkout\/node_modules\/\.bin\/tslab, a path that no longer exists; .*npx avalanche-ts kernel install/);
});
