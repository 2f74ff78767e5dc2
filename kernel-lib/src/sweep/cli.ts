/**
 * `avalanche-ts worker --redis URL [--queue NAME] [--concurrency N] [--lock-ms MS] [--setup MODULE
 * [--setup-export NAME]]`: runs the setup function once (e.g. loads the data set), then takes sweep
 * runs from the Redis queue until stopped (Ctrl-C or SIGTERM finish the current run first).
 */
import * as path from 'path';
import { checkExperimentRef, runSetup, workerName } from './experiment';
import { DEFAULT_SWEEP_QUEUE, checkRedisUrl, startSweepWorker } from './redisQueue';

const USAGE = 'usage: avalanche-ts worker --redis redis://HOST:PORT [--queue NAME] [--concurrency N] [--lock-ms MS] [--setup MODULE [--setup-export NAME]]';

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command !== 'worker') {
    console.error(USAGE);
    process.exit(2);
  }
  const flags = new Map<string, string>();
  for (let i = 0; i < rest.length; i += 2) {
    if (!rest[i].startsWith('--') || rest[i + 1] === undefined) {
      console.error(`avalanche-ts worker: bad argument '${rest[i]}'\n${USAGE}`);
      process.exit(2);
    }
    flags.set(rest[i].slice(2), rest[i + 1]);
  }
  for (const k of flags.keys()) {
    if (!['redis', 'queue', 'concurrency', 'lock-ms', 'setup', 'setup-export'].includes(k)) {
      console.error(`avalanche-ts worker: unknown option --${k}\n${USAGE}`);
      process.exit(2);
    }
  }
  const number = (k: string, fallback: number) => {
    const v = flags.has(k) ? Number(flags.get(k)) : fallback;
    if (!Number.isInteger(v) || v < 1) {
      console.error(`avalanche-ts worker: --${k} must be a positive whole number, got '${flags.get(k)}'`);
      process.exit(2);
    }
    return v;
  };
  let redis: string;
  try {
    redis = checkRedisUrl(flags.get('redis'), 'avalanche-ts worker --redis');
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const queue = flags.get('queue') ?? DEFAULT_SWEEP_QUEUE;
  const concurrency = number('concurrency', 1);
  const lockDuration = number('lock-ms', 30_000);
  if (flags.has('setup-export') && !flags.has('setup')) {
    console.error(`avalanche-ts worker: --setup-export names a function of the --setup module; give --setup too\n${USAGE}`);
    process.exit(2);
  }
  const setupModule = flags.get('setup');
  if (setupModule !== undefined) {
    // A relative path means this machine's working folder, where the worker was started.
    const module = setupModule.startsWith('.') ? path.resolve(setupModule) : setupModule;
    const t0 = process.hrtime.bigint();
    try {
      const ref = checkExperimentRef({ module, export: flags.get('setup-export') }, 'avalanche-ts worker', 'setup');
      await runSetup(ref, `avalanche-ts worker ${workerName()}`);
      console.log(`avalanche-ts worker ${process.pid}: setup (${ref.module}, export '${ref.export}') done in ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s`);
    } catch (e) {
      console.error((e as Error).message);
      process.exit(1);
    }
  }
  const worker = startSweepWorker({ redis, queue, concurrency, lockDuration });
  worker.on('error', (e) => console.error(`avalanche-ts worker: ${e.message}`));
  worker.waitUntilReady().then(() => console.log(`avalanche-ts worker ${process.pid}: waiting for sweep runs on queue '${queue}' at ${redis}`));
  const stop = () => {
    console.log('avalanche-ts worker: stopping after the current run');
    worker.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main(process.argv.slice(2));
