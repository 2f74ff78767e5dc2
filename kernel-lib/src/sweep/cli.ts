/**
 * `avalanche-ts worker --redis URL [--queue NAME] [--concurrency N] [--lock-ms MS]`: takes sweep runs
 * from the Redis queue and runs them until stopped (Ctrl-C or SIGTERM finish the current run first).
 */
import { DEFAULT_SWEEP_QUEUE, checkRedisUrl, startSweepWorker } from './redisQueue';

const USAGE = 'usage: avalanche-ts worker --redis redis://HOST:PORT [--queue NAME] [--concurrency N] [--lock-ms MS]';

function main(argv: string[]): void {
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
    if (!['redis', 'queue', 'concurrency', 'lock-ms'].includes(k)) {
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
  const worker = startSweepWorker({ redis, queue, concurrency: number('concurrency', 1), lockDuration: number('lock-ms', 30_000) });
  worker.on('error', (e) => console.error(`avalanche-ts worker: ${e.message}`));
  worker.waitUntilReady().then(() => console.log(`avalanche-ts worker ${process.pid}: waiting for sweep runs on queue '${queue}' at ${redis}`));
  const stop = () => {
    console.log('avalanche-ts worker: stopping after the current run');
    worker.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main(process.argv.slice(2));
