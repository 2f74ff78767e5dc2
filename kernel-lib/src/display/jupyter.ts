/**
 * The one place that talks to the tslab kernel. tslab's public `display` API sends one MIME type
 * per message; a full MIME bundle (Vega-Lite + HTML + SVG + text) goes through the internal
 * `lastWriteDisplayData` of tslab's jupyter module (tslab ~1.0.21, the peer dependency's range),
 * the running kernel's own instance.
 */

/** A Jupyter MIME bundle: MIME type → content (string, or JSON for JSON types). */
export type MimeBundle = Record<string, unknown>;

type WriteDisplayData = (content: { data: MimeBundle; metadata: Record<string, unknown>; transient: { display_id?: string } }, update: boolean) => void;

/** Where `avalanche-ts kernel run` leaves the running kernel's tslab jupyter module. */
export const KERNEL_JUPYTER_MODULE = Symbol.for('avalanche-ts.kernel.jupyterModule');

/**
 * The running tslab kernel's display writer, or null outside a kernel (plain Node): that of the
 * module our launcher started, else of a tslab jupyter module loaded in this process (a kernel
 * started by tslab's own spec).
 */
export function kernelDisplayWriter(): WriteDisplayData | null {
  const launched = (globalThis as Record<symbol, { lastWriteDisplayData?: WriteDisplayData | null } | undefined>)[KERNEL_JUPYTER_MODULE];
  if (launched) return typeof launched.lastWriteDisplayData === 'function' ? launched.lastWriteDisplayData : null;
  for (const [file, mod] of Object.entries(require.cache)) {
    if (!/tslab[\\/]dist[\\/]jupyter\.js$/.test(file)) continue;
    const write = (mod?.exports as { lastWriteDisplayData?: WriteDisplayData | null } | undefined)?.lastWriteDisplayData;
    if (typeof write === 'function') return write;
  }
  return null;
}

/** True when running inside a tslab kernel that is executing a cell. */
export function inKernel(): boolean {
  return kernelDisplayWriter() !== null;
}

/**
 * Sends a `display_data` message (or `update_display_data` with `update`) holding the whole bundle.
 * Outside a kernel, prints the bundle's `text/plain` instead. Returns whether a kernel got it.
 */
export function publishDisplayData(bundle: MimeBundle, options: { displayId?: string; update?: boolean } = {}): boolean {
  const write = kernelDisplayWriter();
  if (!write) {
    const text = bundle['text/plain'];
    if (typeof text === 'string') process.stdout.write(`${text}\n`);
    return false;
  }
  write({ data: bundle, metadata: {}, transient: options.displayId ? { display_id: options.displayId } : {} }, options.update ?? false);
  return true;
}
