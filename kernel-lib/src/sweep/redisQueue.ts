/**
 * Runs over many machines: a sweep's runs are BullMQ jobs in Redis; `avalanche-ts worker --redis URL`
 * on any machine with the project installed takes them one at a time and returns each run's row.
 * A job's id is `<sweep>--<configuration index>--<seed>`, so a sweep enqueued twice (or re-attached)
 * has each run once. A worker killed mid-run loses its job's lock; BullMQ's stalled-job check, run by
 * the other workers, puts the job back in the queue and another worker runs it.
 */
// Types only inside this file: the public declarations name no bullmq or ioredis type, so a notebook's
// first cell does not type-check against their hundred declaration files.
type Bull = typeof import('bullmq');
type QueueType<T> = import('bullmq').Queue<T>;
type IORedisType = import('ioredis').default;
import { SweepConfig, SweepRun, configLabel } from './grid';
import { ExperimentRef, loadExperiment, runOne, workerName } from './experiment';
import { SweepRow, decodeNumbers, encodeNumbers } from './results';

/** The default queue name. */
export const DEFAULT_SWEEP_QUEUE = 'avalanche-ts-sweeps';

/** What the queue's jobs carry. */
interface JobData {
  sweep: string;
  ref: Required<ExperimentRef>;
  run: SweepRun;
}

/** The sweep's manifest, kept in Redis so that a notebook can re-attach: its runs and experiment. */
interface Manifest {
  name: string;
  ref: Required<ExperimentRef>;
  runs: SweepRun[];
}

/** Throws unless `url` is a Redis URL. */
export function checkRedisUrl(url: unknown, where: string): string {
  if (typeof url !== 'string' || !/^rediss?:\/\//.test(url)) throw new Error(`${where}: redis must be a Redis URL such as redis://127.0.0.1:6379, got ${JSON.stringify(url)}`);
  return url;
}

/** Throws unless `name` can be part of a job id. */
export function checkSweepName(name: unknown, where: string): string {
  if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]{1,100}$/.test(name)) throw new Error(`${where}: name must be 1-100 letters, digits, '_', '.' or '-', got ${JSON.stringify(name)}`);
  return name;
}

// bullmq and ioredis load on first use: a notebook that never queues does not pay for them at start.
function bullmq(): Bull {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return require('bullmq');
}

function connect(url: string): IORedisType {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const IORedis = require('ioredis') as typeof import('ioredis').default;
  // BullMQ's workers block on Redis: they need maxRetriesPerRequest null.
  return new IORedis(url, { maxRetriesPerRequest: null });
}

const manifestKey = (queue: string, name: string) => `avalanche-ts:${queue}:sweep:${name}`;
const jobId = (name: string, run: SweepRun) => `${name}--${run.configIndex}--${run.seed}`;

/** Progress of a sweep in the queue. */
export interface SweepProgress {
  done: number;
  running: number;
  failed: number;
  waiting: number;
  total: number;
}

/** Options of the queue functions. */
export interface QueueOptions {
  redis: string;
  /** The BullMQ queue (default `avalanche-ts-sweeps`); the workers must listen to the same one. */
  queue?: string;
}

/** Puts the sweep's runs in the queue (those already there are left as they are) and saves its manifest. */
export async function enqueueSweep(options: QueueOptions & { name: string; ref: Required<ExperimentRef>; runs: SweepRun[] }): Promise<void> {
  const queueName = options.queue ?? DEFAULT_SWEEP_QUEUE;
  const connection = connect(options.redis);
  const queue: QueueType<JobData> = new (bullmq().Queue)<JobData>(queueName, { connection });
  try {
    const manifest: Manifest = { name: options.name, ref: options.ref, runs: options.runs };
    await connection.set(manifestKey(queueName, options.name), JSON.stringify(manifest));
    await queue.addBulk(options.runs.map((run) => ({
      name: options.name,
      data: { sweep: options.name, ref: options.ref, run },
      // One attempt: a run that throws comes back as a row with its error; a killed worker's job is
      // retried through the stalled-job check, not through attempts.
      opts: { jobId: jobId(options.name, run), attempts: 1, removeOnComplete: false, removeOnFail: false },
    })));
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

/**
 * Waits for every run of the sweep `name` (enqueued by this notebook earlier, or by another) and
 * returns its rows; `onProgress` hears the counts as they change, `onRow` each row as it is found
 * finished.
 */
export async function collectSweep(options: QueueOptions & { name: string; pollMs?: number; onProgress?: (p: SweepProgress) => void; onRow?: (row: SweepRow) => void; signal?: AbortSignal }): Promise<SweepRow[]> {
  const queueName = options.queue ?? DEFAULT_SWEEP_QUEUE;
  const connection = connect(options.redis);
  const queue: QueueType<JobData> = new (bullmq().Queue)<JobData>(queueName, { connection });
  try {
    const text = await connection.get(manifestKey(queueName, options.name));
    if (text === null) throw new Error(`collectSweep: no sweep named '${options.name}' in queue '${queueName}' at ${options.redis}`);
    const manifest = JSON.parse(text) as Manifest;
    const rows = new Map<string, SweepRow>();
    let last = '';
    for (;;) {
      let running = 0;
      let waiting = 0;
      for (const run of manifest.runs) {
        const id = jobId(manifest.name, run);
        if (rows.has(id)) continue;
        const job = (await queue.getJob(id)) as import('bullmq').Job<JobData> | undefined;
        if (!job) throw new Error(`collectSweep: the job ${id} of sweep '${manifest.name}' is missing from the queue (removed?)`);
        const state = await job.getState();
        let row: SweepRow | null = null;
        if (state === 'completed') row = decodeNumbers(job.returnvalue) as SweepRow;
        else if (state === 'failed') {
          row = { configIndex: run.configIndex, config: run.config, seed: run.seed, error: `the job failed: ${job.failedReason}`, seconds: 0, worker: 'queue' };
        } else if (state === 'active') running += 1;
        else waiting += 1;
        if (row) {
          rows.set(id, row);
          options.onRow?.(row);
        }
      }
      const failed = [...rows.values()].filter((r) => r.error !== undefined).length;
      const progress = { done: rows.size - failed, running, failed, waiting, total: manifest.runs.length };
      const key = JSON.stringify(progress);
      if (key !== last) options.onProgress?.(progress);
      last = key;
      if (rows.size === manifest.runs.length) break;
      if (options.signal?.aborted) throw new Error(`collectSweep: stopped (${progress.done + progress.failed} of ${progress.total} runs back; attachSweep({ redis, name: '${manifest.name}' }) collects the rest later)`);
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
    }
    return manifest.runs.map((run) => rows.get(jobId(manifest.name, run))!);
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

/** Options of `startSweepWorker`. */
export interface SweepWorkerOptions extends QueueOptions {
  /** Runs at once (default 1). */
  concurrency?: number;
  /** How long a job's lock lasts without renewal, ms (default 30000): a killed worker's job goes back after about this long. */
  lockDuration?: number;
  /** Logs each run (default console.log). */
  log?: (line: string) => void;
}

/** A running queue worker (a BullMQ `Worker`, seen through what callers need). */
export interface SweepWorker {
  /** Resolves once connected to Redis. */
  waitUntilReady(): Promise<unknown>;
  /** Stops taking jobs; resolves after the current run. */
  close(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** A queue worker: takes the sweeps' jobs and runs them in this process until `close()`. */
export function startSweepWorker(options: SweepWorkerOptions): SweepWorker {
  const url = checkRedisUrl(options.redis, 'startSweepWorker');
  const log = options.log ?? ((line: string) => console.log(line));
  const lockDuration = options.lockDuration ?? 30_000;
  const name = workerName();
  const worker = new (bullmq().Worker)<JobData>(
    options.queue ?? DEFAULT_SWEEP_QUEUE,
    async (job) => {
      const { ref, run, sweep } = job.data;
      log(`${name}: sweep ${sweep}: ${configLabel(run.config as SweepConfig)}, seed ${run.seed}: started`);
      const row = await runOne(loadExperiment(ref), run, name);
      log(`${name}: sweep ${sweep}: ${configLabel(run.config as SweepConfig)}, seed ${run.seed}: ${row.error ? `failed: ${row.error}` : `done in ${row.seconds.toFixed(1)} s`}`);
      return encodeNumbers(row);
    },
    {
      connection: connect(url),
      concurrency: options.concurrency ?? 1,
      lockDuration,
      stalledInterval: Math.max(1000, Math.floor(lockDuration / 2)),
      // A job whose worker died is put back this many times before it is failed.
      maxStalledCount: 3,
    },
  );
  return worker;
}
