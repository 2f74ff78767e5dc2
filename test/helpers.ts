/** Shared test helpers: backend start, synthetic IDX data, a local HTTP server. */
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { AddressInfo } from 'net';
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
