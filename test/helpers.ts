/** Shared test helpers: backend start, synthetic IDX data, a local HTTP server. */
import * as fs from 'fs';
import * as net from 'net';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { AddressInfo } from 'net';
import { spawnSync } from 'child_process';
import assert from 'node:assert/strict';
import { encodeIdx, initBackend } from 'avalanche-ts';

/** Starts the default backend quietly. */
export async function ready(): Promise<void> {
  await initBackend({ verbose: false });
}

/** A fresh temporary folder. */
export function tempDir(prefix = 'clnb-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes four small MNIST-like IDX files (gzip or raw) into `folder`; returns the labels. */
export function writeIdxSet(folder: string, opts: { nTrain?: number; nTest?: number; gzip?: boolean } = {}): { train: Uint8Array; test: Uint8Array } {
  const nTrain = opts.nTrain ?? 50;
  const nTest = opts.nTest ?? 20;
  fs.mkdirSync(folder, { recursive: true });
  const make = (n: number, seed: number) => {
    const labels = Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) % 10);
    const images = Uint8Array.from({ length: n * 784 }, (_, i) => (i * 31 + seed) % 256);
    return { labels, images };
  };
  const train = make(nTrain, 1);
  const test = make(nTest, 2);
  const write = (name: string, bytes: Uint8Array) => {
    const data = opts.gzip === false ? bytes : zlib.gzipSync(bytes);
    fs.writeFileSync(path.join(folder, opts.gzip === false ? name.replace(/\.gz$/, '') : name), data);
  };
  write('train-images-idx3-ubyte.gz', encodeIdx([nTrain, 28, 28], train.images));
  write('train-labels-idx1-ubyte.gz', encodeIdx([nTrain], train.labels));
  write('t10k-images-idx3-ubyte.gz', encodeIdx([nTest, 28, 28], test.images));
  write('t10k-labels-idx1-ubyte.gz', encodeIdx([nTest], test.labels));
  return { train: train.labels, test: test.labels };
}

/** Serves the files of `folder` on 127.0.0.1; returns the base URL, the request log and a closer. */
export async function serveFolder(folder: string): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const file = path.join(folder, path.basename(req.url ?? ''));
    if (!fs.existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(fs.readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Runs `fn` with environment variables set (or removed, for undefined), then restores them. */
export async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(vars)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** The repository root (tests run from test-dist/). */
export const repoRoot = path.resolve(__dirname, '..');

let kernelDir: string | null = null;

/** The `avalanche-ts` command of this checkout. */
export const avalancheTsBin = path.join(repoRoot, 'kernel-lib', 'bin', 'avalanche-ts.js');

/**
 * A Jupyter data folder holding this project's tslab kernel spec, written by `avalanche-ts kernel
 * install` (its default `--user` location is `$JUPYTER_DATA_DIR` when set, as Jupyter's).
 */
export function registerKernel(): string {
  if (kernelDir) return kernelDir;
  const dir = tempDir('clnb-jupyter-');
  const r = spawnSync(process.execPath, [avalancheTsBin, 'kernel', 'install'], { encoding: 'utf8', cwd: repoRoot, env: { ...process.env, JUPYTER_DATA_DIR: dir } });
  assert.equal(r.status, 0, r.stderr);
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'kernels', 'tslab', 'kernel.json'), 'utf8'));
  assert.deepEqual(spec.argv.slice(1, 6), [fs.realpathSync(avalancheTsBin), 'kernel', 'run', '--tslab', fs.realpathSync(path.join(repoRoot, 'node_modules', 'tslab'))]);
  kernelDir = dir;
  return dir;
}

/** What `test/kernel_client.py` reports for one step of a kernel session. */
export interface KernelStep {
  status?: 'ok' | 'error' | 'abort' | 'timeout' | null;
  stdout?: string;
  stderr?: string;
  errors?: { ename: string; evalue: string; traceback: string[] }[];
  results?: string[];
  executionCount?: number | null;
  interruptedAt?: number;
  replyAt?: number;
  seconds?: number;
  alive: boolean;
}

/** One step of a kernel session: a cell (optionally interrupted after some seconds) or a pause. */
export type KernelSessionStep = { code: string; timeout?: number; interruptAfter?: number } | { sleep: number };

/**
 * Runs cells in a fresh tslab kernel through a real Jupyter client (`jupyter_client`, driven by
 * `test/kernel_client.py` under Debian's Python), from the notebooks folder as a notebook would
 * (or from `cwd`; `env` may name another kernel spec's folder). `log`: the kernel process's own stderr.
 */
export function runKernelSession(steps: KernelSessionStep[], env: Record<string, string> = {}, cwd = path.join(repoRoot, 'notebooks')): { steps: KernelStep[]; other: { stdout: string; stderr: string }; log: string } {
  const python = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const r = spawnSync(python, [path.join(repoRoot, 'test', 'kernel_client.py')], {
    input: JSON.stringify({ kernel: 'tslab', cwd, steps }),
    encoding: 'utf8',
    env: { ...process.env, JUPYTER_DATA_DIR: registerKernel(), AVALANCHE_TS_OFFLINE: '1', ...env },
    timeout: 600_000,
  });
  assert.equal(r.status, 0, `kernel_client.py failed (needs python3-jupyter-client, see README):\n${r.stderr}`);
  // log: what the kernel process wrote to its own stderr (Jupyter's log, not the notebook).
  return { ...JSON.parse(r.stdout), log: r.stderr };
}

/** A TCP port free on 127.0.0.1 right now (for a server a test starts). */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}
