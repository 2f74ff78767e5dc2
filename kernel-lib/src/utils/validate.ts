/** Argument checks that throw errors naming the argument and the allowed values. */

/** Throws unless `value` is an integer ≥ `min`. */
export function checkInteger(name: string, value: unknown, min = 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new Error(`${name} must be an integer >= ${min}, got ${describe(value)}`);
  }
  return value;
}

/** Throws unless `value` is a finite number > 0 (or ≥ 0 when `allowZero`). */
export function checkPositive(name: string, value: unknown, allowZero = false): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && (allowZero ? value >= 0 : value > 0);
  if (!ok) {
    throw new Error(`${name} must be a finite number ${allowZero ? '>= 0' : '> 0'}, got ${describe(value)}`);
  }
  return value as number;
}

/** Throws unless `value` is one of `allowed`. */
export function checkOneOf<T>(name: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    throw new Error(`${name} must be one of ${allowed.map(describe).join(', ')}; got ${describe(value)}`);
  }
  return value as T;
}

/**
 * Throws if `options` holds a key not in `known`: a misspelt option would otherwise be ignored.
 */
export function checkKnownOptions(where: string, options: object | undefined, known: readonly string[]): void {
  if (options == null) return;
  if (typeof options !== 'object') {
    throw new Error(`${where}: options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new Error(`${where}: unknown option '${key}'; allowed options: ${known.join(', ')}`);
    }
  }
}

/** A short printable form of a value, for error messages. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  return String(value);
}
