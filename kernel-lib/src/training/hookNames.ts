/**
 * Names a plugin's methods that look like hooks but match no strategy event, so they would never be
 * called: Avalanche's snake_case names (`after_training_exp`), other casings, and near misses
 * (`afterTrainingExperience`, `beforeTrainingEpochs`). A method the template never calls is the
 * quietest bug a plugin can have; one warning per plugin and method says which hook was meant.
 */
import { STRATEGY_EVENTS, StrategyEvent } from './events';

/** Lowercase, no underscores, and the long forms of words Avalanche's names abbreviate. */
function normalize(name: string): string {
  return name
    .toLowerCase()
    .replace(/_/g, '')
    .replace(/experiences?/g, 'exp')
    .replace(/evaluation/g, 'eval')
    .replace(/iter(?!ation)/g, 'iteration');
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

const NORMALIZED = STRATEGY_EVENTS.map((event) => ({ event, key: normalize(event) }));

/** The event a method name probably meant, or null when it does not look like a hook (or is one). */
export function intendedHook(name: string): StrategyEvent | null {
  if ((STRATEGY_EVENTS as readonly string[]).includes(name) || !/^_*(before|after)/i.test(name)) return null;
  const key = normalize(name);
  let best: { event: StrategyEvent; distance: number } | null = null;
  for (const candidate of NORMALIZED) {
    const distance = editDistance(key, candidate.key);
    if (!best || distance < best.distance) best = { event: candidate.event, distance };
  }
  return best && best.distance <= 2 ? best.event : null;
}

/** The methods of an object (own and inherited, up to Object.prototype). */
function methodNames(plugin: object): string[] {
  const names = new Set<string>();
  for (let o: object | null = plugin; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const name of Object.getOwnPropertyNames(o)) {
      const d = Object.getOwnPropertyDescriptor(o, name);
      if (name !== 'constructor' && d && typeof d.value === 'function') names.add(name);
    }
  }
  return [...names];
}

const warned = new WeakMap<object, Set<string>>();

/**
 * Warns once per plugin and method about methods that look like hooks but are none. `where(i)`
 * names plugin i for the message (e.g. "plugins[1] (MyPlugin)").
 */
export function warnMisnamedHooks(plugins: readonly object[], where: (i: number) => string): void {
  plugins.forEach((plugin, i) => {
    for (const name of methodNames(plugin)) {
      const meant = intendedHook(name);
      if (meant === null) continue;
      const done = warned.get(plugin) ?? new Set<string>();
      warned.set(plugin, done);
      if (done.has(name)) continue;
      done.add(name);
      console.warn(`avalanche-ts: ${where(i)} has a method '${name}', which is not a strategy event and is never called: did you mean '${meant}'? (hooks are camelCase: ${meant}(strategy))`);
    }
  });
}
