/**
 * How a strategy's `train` and `eval` live inside a long-running kernel: one run at a time per
 * strategy, stopping at the next mini-batch when the user presses the kernel's stop button (SIGINT in
 * a tslab kernel) or aborts an `AbortSignal`, and hook errors that name the hook and the plugin.
 */
import { AsyncLocalStorage } from 'async_hooks';
import { errorSummary } from '../utils/errorText';

/** Options of one `train` / `eval` call. */
export interface RunOptions {
  /**
   * Stops the run at the next mini-batch when aborted (as `fetch` and Node streams take one); the
   * call then rejects with a `StrategyInterruptedError` whose `cause` is the signal's reason.
   */
  signal?: AbortSignal;
}

/**
 * Raised by `train` / `eval` when the run was stopped by the kernel's interrupt or an aborted
 * signal. The strategy is consistent afterwards (not training, no experience, iteration tensors
 * freed, the clock counting only finished iterations) and can train or evaluate again.
 */
export class StrategyInterruptedError extends Error {
  /** The signal's reason (or the kernel interrupt's description). */
  readonly cause: unknown;

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message);
    this.name = 'StrategyInterruptedError';
    this.cause = options.cause;
  }
}

/** A plugin's hook threw: the message names the event and the plugin; `cause` is the original error. */
export class PluginHookError extends Error {
  /** The event whose hook threw (e.g. `beforeTrainingExp`). */
  readonly event: string;
  /** How the plugin was named in the message (its class name and position). */
  readonly plugin: string;
  /** The error the hook threw. */
  readonly cause: unknown;

  constructor(event: string, plugin: string, cause: unknown) {
    super(`the ${event} hook of ${plugin} threw: ${errorSummary(cause)}`);
    this.cause = cause;
    this.name = 'PluginHookError';
    this.event = event;
    this.plugin = plugin;
    // Keep the frames of the user's code, which is where the fix is.
    if (cause instanceof Error && cause.stack) this.stack = `${this.name}: ${this.message}\n${cause.stack.split('\n').slice(1).join('\n')}`;
  }
}

/** Wraps an error thrown by a hook, unless it already says where it came from or is an interruption. */
export function hookError(error: unknown, event: string, plugin: string): unknown {
  if (error instanceof StrategyInterruptedError || error instanceof PluginHookError) return error;
  return new PluginHookError(event, plugin, error);
}

/** The kernel hosting this process, if any: tslab defines `globalThis.__tslab__` before running cells. */
function inTslabKernel(): boolean {
  return typeof (globalThis as { __tslab__?: unknown }).__tslab__ === 'object';
}

/** Reason given to runs stopped by the kernel's interrupt. */
const KERNEL_INTERRUPT = 'kernel interrupt (the stop button, or SIGINT)';

/** Runs in progress that the kernel's interrupt must stop. */
const interruptible = new Set<AbortController>();
let sigintListening = false;

/**
 * In a tslab kernel, Jupyter's interrupt is a SIGINT to the kernel process. tslab rejects the cell
 * but cannot stop the promise it was awaiting, so a training loop would go on in the background;
 * this listener aborts every run in progress, which then ends at its next mini-batch (the patched
 * tslab waits briefly so that the cell shows that run's own error). Installed only inside the
 * kernel: in a plain script Ctrl+C keeps its default (ending the process). Call it after an
 * `await`, never in the synchronous part of a cell: tslab runs that part with `vm`'s
 * `breakOnSigint`, and a SIGINT listener added there leaves the process with the default SIGINT
 * action once the part ends (the stop button would then kill the kernel).
 */
export function listenForKernelInterrupt(): void {
  if (sigintListening || !inTslabKernel()) return;
  sigintListening = true;
  process.on('SIGINT', () => {
    for (const controller of interruptible) controller.abort(KERNEL_INTERRUPT);
  });
}

/** The running call of one strategy. */
export interface ActiveRun {
  /** 'train' or 'eval'. */
  kind: string;
  /** Aborted by the user's signal or the kernel's interrupt. */
  signal: AbortSignal;
  /** Unregisters the run. */
  end(): void;
}

/** Starts a run: combines the user's signal with the kernel's interrupt into one signal. */
export function beginRun(kind: string, userSignal?: AbortSignal): ActiveRun {
  if (userSignal !== undefined && !(userSignal instanceof AbortSignal)) {
    throw new Error(`${kind}: options.signal must be an AbortSignal (e.g. new AbortController().signal), got ${typeof userSignal}`);
  }
  const controller = new AbortController();
  const forward = () => controller.abort(userSignal!.reason);
  if (userSignal) {
    if (userSignal.aborted) forward();
    else userSignal.addEventListener('abort', forward, { once: true });
  }
  interruptible.add(controller);
  return {
    kind,
    signal: controller.signal,
    end() {
      interruptible.delete(controller);
      userSignal?.removeEventListener('abort', forward);
    },
  };
}

/** Throws a `StrategyInterruptedError` when `run` was aborted; `where` says how far it got. */
export function throwIfInterrupted(run: ActiveRun, where: () => string): void {
  if (!run.signal.aborted) return;
  const reason = run.signal.reason;
  const why = reason === KERNEL_INTERRUPT ? KERNEL_INTERRUPT : `signal aborted${reason instanceof Error ? `: ${reason.message}` : reason !== undefined ? `: ${String(reason)}` : ''}`;
  throw new StrategyInterruptedError(`${run.kind} interrupted by ${why}, ${where()}; the strategy is ready to train or evaluate again`, { cause: reason });
}

/**
 * The async context of the runs: a hook that calls `strategy.eval` during that strategy's own
 * `train` (periodic evaluation) is nested, not concurrent.
 */
export const runContext = new AsyncLocalStorage<object>();
