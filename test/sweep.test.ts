/**
 * Sweeps: the grid, the summary and files on hand-made rows; the one-machine pool against a serial
 * run; and the Redis queue with Debian's redis-server on a free port and two `avalanche-ts worker`
 * processes, one killed mid-run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { SweepInterruptedError, SweepResults, SweepRow, attachSweep, closeSweepPool, expandGrid, startSweepPool, sweep } from 'avalanche-ts';
import { freePort, tempDir } from './helpers';

const experiment = { module: path.join(__dirname, 'sweepExperiment.js'), export: 'run' };
const root = path.resolve(__dirname, '..');
const STREAM = 'Top1_Acc_Stream/eval_phase/test_stream/Task000';

test('grid expansion, summary (mean, sample sd, min, max), table, band chart, JSON and CSV files with NaN kept', () => {
  assert.deepEqual(expandGrid({ s: ['a', 'b'], lr: [1, 2] }), [{ s: 'a', lr: 1 }, { s: 'a', lr: 2 }, { s: 'b', lr: 1 }, { s: 'b', lr: 2 }]);
  assert.throws(() => expandGrid({ lr: [] }), /grid.lr must be a non-empty list/);
  const h = (values: number[]) => ({ x: values.map((_, i) => i), values, trainedExperience: values.map((_, i) => i) });
  const rows: SweepRow[] = [
    { configIndex: 0, config: { s: 'a' }, seed: 1, metrics: { acc: h([0.1, 0.5]), loss: 1 }, seconds: 1, worker: 'w1' },
    { configIndex: 0, config: { s: 'a' }, seed: 2, metrics: { acc: h([0.3, 0.7]), loss: NaN }, seconds: 1, worker: 'w2' },
    { configIndex: 1, config: { s: 'b' }, seed: 1, metrics: { acc: h([0.2, 0.9]), loss: 3 }, seconds: 1, worker: 'w1' },
    { configIndex: 1, config: { s: 'b' }, seed: 2, error: 'Error: boom, "quoted", with, commas', seconds: 0.5, worker: 'w2' },
  ];
  const results = new SweepResults(rows);
  const acc = results.summary('acc');
  assert.deepEqual(acc.map((r) => [r.config, r.n]), [['s=a', 2], ['s=b', 1]]);
  assert.ok(Math.abs(acc[0].mean - 0.6) < 1e-12 && Math.abs(acc[0].sd - Math.sqrt(0.02)) < 1e-12 && acc[0].min === 0.5 && acc[0].max === 0.7);
  assert.equal(acc[1].sd, 0, 'one seed: sd 0');
  assert.deepEqual(results.summary('loss').map((r) => [r.config, r.n, r.mean]), [['s=a', 1, 1], ['s=b', 1, 3]], 'NaN is left out of the statistics');
  assert.throws(() => results.summary('nope'), /no metric matches 'nope'; metrics: acc, loss/);
  assert.match(results.table('acc').text, /s=b \| seed 2 failed: Error: boom/);
  const chart = results.compareRuns({ metric: 'acc' }) as { data: { values: Array<Record<string, number | string>> }; layer: Array<{ mark: { type: string } }> };
  assert.deepEqual(chart.layer.map((l) => l.mark.type), ['area', 'line']);
  const a1 = chart.data.values.find((v) => v.config === 's=a' && v.x === 1)!;
  assert.ok(Math.abs((a1.mean as number) - 0.6) < 1e-12 && Math.abs((a1.hi as number) - 0.6 - Math.sqrt(0.02)) < 1e-12);
  assert.throws(() => results.compareRuns({ metric: 'acx' }), /metric must be one of the runs' metrics \(acc, loss\)/);
  const dir = tempDir('sweep-files-');
  for (const file of ['r.json', 'r.csv']) {
    results.save(path.join(dir, file));
    const back = SweepResults.load(path.join(dir, file));
    assert.equal(back.rows.length, 4);
    assert.ok(Number.isNaN(back.rows[1].metrics!.loss as number), `${file}: NaN kept`);
    assert.deepEqual(back.rows.map((r) => r.error), rows.map((r) => r.error), `${file}: errors kept`);
    assert.deepEqual(back.summary(), results.summary(), `${file}: same summary`);
  }
  assert.throws(() => results.save(path.join(dir, 'r.txt')), /must end in .json or .csv/);
});

test('resume: the runs of an earlier sweep\'s rows are not run again (failed ones are), onRow hears each new row as it finishes', async () => {
  const calls: string[] = [];
  let flaky = 1;
  const run = async (config: Record<string, unknown>, seed: number) => {
    calls.push(`${config.s}/${seed}`);
    if (config.s === 'b' && seed === 2 && flaky-- > 0) throw new Error('flaky once');
    return { value: seed * 10 + ['a', 'b', 'c'].indexOf(config.s as string) + 1 };
  };
  const first = await sweep({ grid: { s: ['a', 'b'] }, seeds: [1, 2], run, workers: 0 });
  assert.equal(first.failed.length, 1);
  calls.length = 0;
  const heard: string[] = [];
  // A later sweep of a larger grid, resumed from the first one's rows (those of s=a only, as if it stopped there).
  const second = await sweep({
    grid: { s: ['a', 'b', 'c'] }, seeds: [1, 2], run, workers: 0,
    resume: first.rows.filter((r) => r.config.s === 'a' || r.error !== undefined),
    onRow: (row) => heard.push(`${row.config.s}/${row.seed}`),
  });
  assert.deepEqual(calls, ['b/1', 'b/2', 'c/1', 'c/2'], 's=a was not run again; the failed run was');
  assert.deepEqual(heard, calls);
  assert.deepEqual(second.rows.map((r) => [r.config.s, r.seed, r.configIndex, r.metrics?.value]), [['a', 1, 0, 11], ['a', 2, 0, 21], ['b', 1, 1, 12], ['b', 2, 1, 22], ['c', 1, 2, 13], ['c', 2, 2, 23]]);
  await assert.rejects(sweep({ grid: { s: ['a'] }, seeds: [1], run, workers: 0, onRow: 'no' as never }), /sweep: onRow must be a function/);
});

test('one machine: a pool of worker processes gives the serial run\'s rows; a failing run is reported and the others finish', { timeout: 180_000 }, async () => {
  const grid = { lr: [0.01, 0.05], fail: [false] };
  const serial = await sweep({ grid, seeds: [1, 2], run: experiment, workers: 0 });
  const progress: string[] = [];
  const pooled = await sweep({ grid, seeds: [1, 2], run: experiment, workers: 2, progress: (p) => progress.push(`${p.done}/${p.total}`) });
  assert.equal(pooled.rows.length, 4);
  assert.deepEqual(pooled.rows.map((r) => [r.configIndex, r.seed]), [[0, 1], [0, 2], [1, 1], [1, 2]]);
  assert.deepEqual(pooled.rows.map((r) => r.metrics), serial.rows.map((r) => r.metrics), 'identical metrics to the serial run');
  assert.ok(Number.isNaN(pooled.rows[0].metrics!.nan as number), 'NaN crosses the process boundary');
  assert.equal(new Set(pooled.rows.map((r) => r.worker)).size, 2, 'two worker processes');
  assert.ok(pooled.rows.every((r) => r.worker !== `${require('os').hostname()}:${process.pid}`), 'not run in this process');
  assert.equal(progress[progress.length - 1], '4/4');
  const mixed = await sweep({ configs: [{ lr: 0.01 }, { lr: 0.01, fail: true }], seeds: [3], run: experiment, workers: 2 });
  assert.equal(mixed.rows[0].error, undefined);
  assert.match(mixed.rows[1].error!, /configured to fail \(seed 3\)/);
  await assert.rejects(sweep({ grid, seeds: [1], run: async () => ({}), workers: 2 }), /worker processes load the experiment: pass run as \{ module, export \}/);
  // Stopped (a signal, as the kernel's stop button does): the worker processes are killed and the rows so far come back.
  const controller = new AbortController();
  const slow = { lr: [0.01], sleepMs: [20_000] };
  const t0 = Date.now();
  const stopped = sweep({ grid: slow, seeds: [1, 2, 3], run: experiment, workers: 2, signal: controller.signal, progress: (p) => { if (p.running > 0) setTimeout(() => controller.abort(new Error('enough')), 3000); } });
  const error = await stopped.then(() => null, (e) => e);
  assert.ok(error instanceof SweepInterruptedError, String(error));
  assert.match(error.message, /^sweep interrupted \(Error: enough\) with 0 of 3 runs done/);
  assert.equal(error.results.rows.length, 0);
  assert.ok(Date.now() - t0 < 15_000, `stopped in ${Date.now() - t0} ms, not after the 20 s runs`);
  await assert.rejects(sweep({ grid, seeds: [1], run: { module: './rel.js' } }), /run.module must be an absolute path/);
  await assert.rejects(sweep({ grid, seeds: [1, 1], run: experiment }), /seeds has duplicates/);
});

test('one machine: the pool is kept for the next sweep (the same worker processes), an edited experiment runs as edited, closeSweepPool ends the workers', { timeout: 120_000 }, async () => {
  const folder = tempDir();
  const file = path.join(folder, 'edited.js');
  // Each run lasts a little, so that both workers take runs.
  const write = (value: number) => fs.writeFileSync(file, `exports.run = async (config, seed) => { await new Promise((r) => setTimeout(r, 500)); return { value: ${value} + seed, pid: process.pid }; };\n`);
  const values = (r: SweepResults) => r.rows.map((row) => row.metrics!.value);
  const pids = (r: SweepResults) => new Set(r.rows.map((row) => row.metrics!.pid));
  const run = { module: file, export: 'run' };
  write(10);
  const first = await sweep({ configs: [{}], seeds: [1, 2, 3, 4], run, workers: 2 });
  assert.deepEqual(values(first), [11, 12, 13, 14]);
  write(20);
  const second = await sweep({ configs: [{}], seeds: [1, 2, 3, 4], run, workers: 2 });
  assert.deepEqual(values(second), [21, 22, 23, 24], 'the edited experiment, not the one the workers loaded before');
  assert.deepEqual([...pids(second)].sort(), [...pids(first)].sort(), 'the same two worker processes');
  assert.equal(pids(first).size, 2);
  write(30);
  const serial = await sweep({ configs: [{}], seeds: [1], run, workers: 0 });
  assert.deepEqual(values(serial), [31], 'a serial sweep in this process reads it afresh too');
  await closeSweepPool();
  await waitForExit([...pids(second)] as number[]);
  assert.ok([...pids(second)].every((pid) => !alive(pid as number)), 'the workers have ended');
  const third = await sweep({ configs: [{}], seeds: [1, 2], run, workers: 2 });
  assert.ok([...pids(third)].every((pid) => !pids(second).has(pid)), 'a new pool after closeSweepPool');
  await closeSweepPool();
});

/** Whether a process is alive. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits up to 10 s for the processes to end. */
async function waitForExit(pids: number[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

test('one machine: startSweepPool starts the workers ahead, each runs the setup once before any run, sweeps run on them; a failing setup rejects and ends the pool; a hanging one can be stopped', { timeout: 120_000 }, async () => {
  const folder = tempDir();
  const file = path.join(folder, 'withSetup.js');
  // The setup leaves a mark in its process and a file per worker; runs report whether they saw it.
  fs.writeFileSync(file, [
    `const fs = require('fs');`,
    `exports.setup = async () => { globalThis.setupRuns = (globalThis.setupRuns ?? 0) + 1; fs.writeFileSync(${JSON.stringify(folder)} + '/setup-' + process.pid, String(globalThis.setupRuns)); };`,
    `exports.broken = async () => { throw new Error('no data here'); };`,
    `exports.run = async (config, seed) => { await new Promise((r) => setTimeout(r, 300)); return { seed, pid: process.pid, setupRuns: globalThis.setupRuns ?? 0 }; };`,
  ].join('\n'));
  const info = await startSweepPool({ workers: 2, setup: { module: file } });
  assert.equal(info.workers.length, 2, `two workers ready: ${info.workers}`);
  const pids = info.workers.map((w) => Number(w.split(':').pop()));
  assert.ok(pids.every(alive) && pids.every((pid) => pid !== process.pid));
  for (const pid of pids) assert.equal(fs.readFileSync(path.join(folder, `setup-${pid}`), 'utf8'), '1', `worker ${pid} ran the setup once before it was ready`);
  const results = await sweep({ configs: [{}], seeds: [1, 2, 3, 4], run: { module: file }, workers: 2 });
  assert.deepEqual(results.rows.map((r) => r.metrics!.seed), [1, 2, 3, 4]);
  assert.ok(results.rows.every((r) => pids.includes(r.metrics!.pid as number)), 'the runs ran on the started workers');
  assert.ok(results.rows.every((r) => r.metrics!.setupRuns === 1), 'each run saw its worker\'s setup, run once');
  assert.deepEqual((await startSweepPool({ workers: 2, setup: { module: file } })).workers.sort(), [...info.workers].sort(), 'the same pool again: nothing restarted');
  const error = await startSweepPool({ workers: 2, setup: { module: file, export: 'broken' } }).then(() => null, (e) => e);
  assert.ok(error instanceof Error, `an Error, not ${JSON.stringify(error)}`);
  assert.match(error.message, /the setup \(.*withSetup\.js, export 'broken'\) failed in sweep pool worker .*:\d+: Error: no data here/);
  await waitForExit(pids);
  assert.ok(pids.every((pid) => !alive(pid)), 'a different setup replaced the first pool');
  const after = await sweep({ configs: [{}], seeds: [1, 2], run: { module: file }, workers: 2 });
  assert.ok(after.rows.every((r) => r.error === undefined && r.metrics!.setupRuns === 0), 'the failed pool is gone: the next sweep starts one without setup');
  await closeSweepPool();
  // A setup that hangs: the signal (as the kernel's stop button) ends the wait and the pool.
  fs.writeFileSync(path.join(folder, 'hangs.js'), `exports.setup = () => new Promise((r) => setTimeout(r, 60000));\n`);
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error('enough')), 1500);
  const t0 = Date.now();
  await assert.rejects(startSweepPool({ workers: 2, setup: { module: path.join(folder, 'hangs.js') }, signal: controller.signal }), /startSweepPool stopped \(Error: enough\) before its workers were ready; the pool is ended/);
  assert.ok(Date.now() - t0 < 10_000, `stopped after ${Date.now() - t0} ms`);
  const fresh = await sweep({ configs: [{}], seeds: [1], run: { module: file }, workers: 2 });
  assert.equal(fresh.rows[0].metrics!.setupRuns, 0, 'the next sweep has a new pool, without the hanging setup');
  await closeSweepPool();
  await assert.rejects(startSweepPool({ workers: 0 }), /startSweepPool: workers must be a whole number of processes \(1 or more\), got 0/);
  await assert.rejects(startSweepPool({ setup: { module: './setup.js' } }), /startSweepPool: setup.module must be an absolute path/);
  await assert.rejects(startSweepPool({ setup: 'setup' as never }), /startSweepPool: setup must be \{ module, export \} naming a function the workers load/);
  await assert.rejects(startSweepPool({ worker: 2 } as never), /startSweepPool: unknown option 'worker'/);
});

test('many machines: Redis (redis-server) and two `avalanche-ts worker` processes; one killed mid-run, its run redone by the other; one row per run, as serial', { timeout: 300_000 }, async () => {
  const version = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  assert.equal(version.status, 0, 'redis-server is missing: apt-get install redis-server (see README)');
  const port = await freePort();
  const redisDir = tempDir('redis-');
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  const workers: ChildProcess[] = [];
  const logs: string[][] = [];
  const cli = path.join(root, 'node_modules', '.bin', 'avalanche-ts');
  // A setup each worker machine runs before it takes runs: a file per process shows it ran.
  const setupDir = tempDir('worker-setup-');
  const setupFile = path.join(setupDir, 'setup.js');
  fs.writeFileSync(setupFile, `exports.setup = () => require('fs').writeFileSync(${JSON.stringify(setupDir)} + '/ran-' + process.pid, '');\nexports.broken = () => { throw new Error('no data here'); };\n`);
  const startWorker = (...extra: string[]) => {
    const w = spawn(cli, ['worker', '--redis', url, '--lock-ms', '2000', '--queue', 'test-sweeps', ...extra], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AVALANCHE_TS_THREADS: '1' } });
    const log: string[] = [];
    w.stdout!.on('data', (d) => log.push(...String(d).split('\n').filter(Boolean)));
    w.stderr!.on('data', (d) => log.push(...String(d).split('\n').filter(Boolean)));
    workers.push(w);
    logs.push(log);
    return { w, log };
  };
  try {
    for (let i = 0; i < 50 && spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.trim() !== 'PONG'; i++) await new Promise((r) => setTimeout(r, 100));
    const broken = spawnSync(cli, ['worker', '--redis', url, '--setup', setupFile, '--setup-export', 'broken'], { encoding: 'utf8' });
    assert.equal(broken.status, 1, broken.stderr);
    assert.match(broken.stderr, /the setup \(.*setup\.js, export 'broken'\) failed in avalanche-ts worker .*: Error: no data here/);
    const a = startWorker();
    const b = startWorker('--setup', setupFile);
    const grid = { lr: [0.01, 0.05], sleepMs: [1500] };
    const seeds = [1, 2, 3];
    const name = `t${Date.now()}`;
    // Kill the first worker as soon as it has started a run.
    const killed = new Promise<string>((resolve) => {
      const timer = setInterval(() => {
        const line = a.log.find((l) => l.includes(': started'));
        if (line) {
          clearInterval(timer);
          a.w.kill('SIGKILL');
          resolve(line);
        }
      }, 50);
    });
    const queued = await sweep({ grid, seeds, run: experiment, redis: url, queue: 'test-sweeps', name, progress: false });
    const killedLine = await killed;
    assert.equal(queued.rows.length, 6, 'one row per (configuration, seed)');
    assert.deepEqual(queued.rows.map((r) => [r.configIndex, r.seed]), [[0, 1], [0, 2], [0, 3], [1, 1], [1, 2], [1, 3]]);
    assert.ok(queued.rows.every((r) => r.error === undefined), JSON.stringify(queued.failed));
    // The killed worker's run was finished by the other worker.
    const [, what] = /sweep \S+: (.*): started/.exec(killedLine)!;
    assert.ok(b.log.some((l) => l.includes(`${what}: done`)), `the other worker redid "${what}":\n${b.log.join('\n')}`);
    assert.ok(!a.log.some((l) => l.includes(`${what}: done`)));
    const setupLine = b.log.find((l) => /^avalanche-ts worker \d+: setup \(.*setup\.js, export 'setup'\) done in [\d.]+ s$/.test(l));
    assert.ok(setupLine, b.log.join('\n'));
    assert.ok(b.log.indexOf(setupLine) < b.log.findIndex((l) => l.includes(': started')), 'the setup ran before the first run');
    assert.ok(fs.existsSync(path.join(setupDir, `ran-${/worker (\d+)/.exec(setupLine)![1]}`)), 'the setup function ran in that worker process');
    const serial = await sweep({ grid, seeds, run: experiment, workers: 0 });
    assert.deepEqual(queued.rows.map((r) => r.metrics), serial.rows.map((r) => r.metrics), 'identical to a serial run');
    // Re-attaching later gives the same rows; enqueuing the same sweep again runs nothing twice.
    const again = await attachSweep({ redis: url, queue: 'test-sweeps', name, progress: false });
    assert.deepEqual(again.rows, queued.rows);
    // Resumed through the queue (a new name): only the runs without a row are enqueued, onRow hears them.
    const heard: string[] = [];
    const resumed = await sweep({
      grid, seeds, run: experiment, redis: url, queue: 'test-sweeps', name: `${name}-resumed`, progress: false,
      resume: queued.rows.filter((r) => r.seed !== 3), onRow: (row) => heard.push(`${row.configIndex}/${row.seed}`),
    });
    assert.deepEqual(heard.sort(), ['0/3', '1/3']);
    assert.deepEqual(resumed.rows.map((r) => r.metrics), queued.rows.map((r) => r.metrics));
    await assert.rejects(attachSweep({ redis: url, queue: 'test-sweeps', name: 'nothing-here', progress: false }), /no sweep named 'nothing-here'/);
    await assert.rejects(sweep({ grid, seeds, run: async () => ({}), redis: url }), /with redis, run must be \{ module, export \}/);
  } finally {
    for (const w of workers) w.kill('SIGKILL');
    redis.kill('SIGTERM');
    fs.rmSync(redisDir, { recursive: true, force: true });
  }
});
