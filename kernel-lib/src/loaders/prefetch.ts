/**
 * Augmenting the next batch while the current one trains: the loaders hand the next batch's raw
 * bytes to a worker thread, which runs the data sets' transforms into shared memory; the batch is
 * collected when the strategy asks for it. Each batch draws its random choices from its own seed,
 * so a batch is the same whether the worker or the main thread built it.
 */
import * as path from 'path';
import { Worker } from 'worker_threads';
import { ClassificationDataset, Normalization } from '../data/dataset';
import { TransformSpec } from '../data/transforms';
import { Random } from '../utils/random';
import { notice } from '../utils/notice';
import { gatherGroups } from './groupSampler';
import { MiniBatch, makeMiniBatch } from './miniBatch';
import { uploadScratch } from '../backend/uploadScratch';

/** Env variable: `0` turns the worker off (every batch is then augmented on the main thread). */
export const PREFETCH_ENV_VAR = 'AVALANCHE_TS_PREFETCH';

/** One part of a batch as the worker receives it. */
export interface WorkerPart {
  /** The part's samples' bytes, one after the other. */
  bytes: Uint8Array;
  count: number;
  sampleShape: number[];
  /** The transform to run, or null for the plain normalisation. */
  spec: TransformSpec | null;
  normalization: Normalization;
}

/** A request to the worker: the parts, the batch's seed, where to write and the flag to raise. */
export interface WorkerRequest {
  parts: WorkerPart[];
  seed: number;
  output: Float32Array;
  /** 0 while running, 1 when done, 2 when the worker failed (the main thread then redoes the batch). */
  flag: Int32Array;
}

let worker: Worker | null = null;
let workerBroken = false;
let sentToWorker = 0;

/** How many batches have been handed to the worker so far (for tests and diagnostics). */
export function batchesSentToWorker(): number {
  return sentToWorker;
}

function getWorker(): Worker | null {
  if (workerBroken) return null;
  if (!worker) {
    try {
      worker = new Worker(path.join(__dirname, 'transformWorker.js'));
      worker.unref();
      worker.on('error', () => {
        workerBroken = true;
        worker = null;
      });
    } catch (error) {
      workerBroken = true;
      notice(`avalanche-ts: augmenting on the main thread (the transform worker could not start: ${(error as Error).message})`);
      return null;
    }
  }
  return worker;
}

/** True when batches with transforms are augmented in the worker (not when AVALANCHE_TS_PREFETCH=0). */
export function prefetchEnabled(): boolean {
  return process.env[PREFETCH_ENV_VAR] !== '0' && !workerBroken;
}

/** A batch being built: `collect()` returns it (waiting for the worker if it is not done). */
export interface PendingBatch {
  collect(): MiniBatch;
}

/** True when a batch of these parts goes through transforms at all (else the plain, synchronous path is used). */
export function needsAugmentation(parts: Array<{ dataset: ClassificationDataset }>): boolean {
  return parts.some((p) => p.dataset.transform !== null);
}

/**
 * Starts building the batch of `parts` with random choices from `seed`: in the worker when every
 * active transform is a built-in one (a `Lambda` cannot leave this thread), else at `collect()`.
 */
export function startBatch(parts: Array<{ dataset: ClassificationDataset; indices: Int32Array }>, seed: number): PendingBatch {
  const inline: PendingBatch = { collect: () => gatherGroups(parts, new Random(seed)) };
  if (!prefetchEnabled() || parts.some((p) => p.dataset.transform !== null && p.dataset.transform.spec === null)) return inline;
  const w = getWorker();
  if (!w) return inline;
  const n = parts.reduce((a, p) => a + p.indices.length, 0);
  const size = parts[0].dataset.inputSize;
  if (n === 0 || parts.some((p) => p.dataset.inputSize !== size)) return inline;
  const workerParts: WorkerPart[] = parts.map(({ dataset, indices }) => {
    const s = dataset.sampleSize;
    const bytes = new Uint8Array(new SharedArrayBuffer(indices.length * s));
    for (let k = 0; k < indices.length; k++) bytes.set(dataset.images.subarray(indices[k] * s, (indices[k] + 1) * s), k * s);
    return { bytes, count: indices.length, sampleShape: dataset.sampleShape, spec: dataset.transform?.spec ?? null, normalization: dataset.normalization };
  });
  const request: WorkerRequest = {
    parts: workerParts,
    seed,
    output: new Float32Array(new SharedArrayBuffer(n * size * 4)),
    flag: new Int32Array(new SharedArrayBuffer(4)),
  };
  w.postMessage(request);
  sentToWorker += 1;
  return {
    collect: () => {
      // The worker answers in milliseconds; the timeout only guards against a worker that died.
      if (Atomics.wait(request.flag, 0, 0, 60_000) === 'timed-out' || Atomics.load(request.flag, 0) !== 1) {
        if (Atomics.load(request.flag, 0) === 0) {
          workerBroken = true;
          notice('avalanche-ts: the transform worker did not answer in 60 s; augmenting on the main thread from now on');
        }
        return inline.collect();
      }
      const y = new Int32Array(n);
      const t = new Int32Array(n);
      let row = 0;
      for (const { dataset, indices } of parts) {
        for (let k = 0; k < indices.length; k++, row++) {
          y[row] = dataset.targets[indices[k]];
          t[row] = dataset.taskLabels[indices[k]];
        }
      }
      const x = uploadScratch(n * size);
      x.set(request.output);
      return makeMiniBatch(x, [n, size], y, t);
    },
  };
}

/** The samples of one batch: some indices of one or more data sets. */
export type BatchParts = Array<{ dataset: ClassificationDataset; indices: Int32Array }>;

/**
 * The batches of `partsOf`, in order. A batch that goes through transforms is started (in the
 * worker, with a seed drawn from `random`) before the batch ahead of it is handed out, so that it
 * is augmented while that one trains; a batch without transforms is gathered when it is due and
 * draws nothing from `random`.
 */
export function* gatherAhead(partsOf: Iterable<BatchParts>, random: Random): Generator<MiniBatch> {
  let pending: PendingBatch | null = null;
  for (const parts of partsOf) {
    const ready = pending ? pending.collect() : null;
    pending = null;
    if (needsAugmentation(parts)) {
      pending = startBatch(parts, random.nextSeed());
      if (ready) yield ready;
    } else {
      if (ready) yield ready;
      yield gatherGroups(parts);
    }
  }
  if (pending) yield pending.collect();
}
