/**
 * Values that are ready now on some backends and later on others: feature-based buffer selection
 * reads features synchronously on wasm and cpu, asynchronously on webgpu (no synchronous reads
 * there). These helpers keep one code path that stays synchronous whenever every step is.
 */

/** A value now, or a promise of it. */
export type MaybePromise<T> = T | Promise<T>;

/** True for a promise (a thenable). */
export function isPromise<T>(x: MaybePromise<T>): x is Promise<T> {
  return x != null && typeof (x as Promise<T>).then === 'function';
}

/** `f(x)`: now if `x` is a value, when it resolves if it is a promise. */
export function andThen<T, U>(x: MaybePromise<T>, f: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return isPromise(x) ? x.then(f) : f(x);
}

/** Runs `step` on each item in order, waiting for a step that returns a promise; synchronous otherwise. */
export function forEachInOrder<T>(items: readonly T[], step: (item: T, index: number) => MaybePromise<void>, start = 0): MaybePromise<void> {
  for (let i = start; i < items.length; i++) {
    const r = step(items[i], i);
    if (isPromise(r)) return r.then(() => forEachInOrder(items, step, i + 1));
  }
}

/** `run()`, then `cleanup()` whether it succeeds or throws: now if `run` is synchronous, when it settles if not. */
export function andFinally<T>(run: () => MaybePromise<T>, cleanup: () => void): MaybePromise<T> {
  let result: MaybePromise<T>;
  try {
    result = run();
  } catch (e) {
    cleanup();
    throw e;
  }
  if (isPromise(result)) return result.finally(cleanup);
  cleanup();
  return result;
}
