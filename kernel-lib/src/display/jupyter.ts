/**
 * The one place that talks to the tslab kernel. tslab's public `display` API sends one MIME type
 * per message; a full MIME bundle (Vega-Lite + HTML + SVG + text) goes through the internal
 * `lastWriteDisplayData` of tslab's jupyter module (tslab 1.0.22, pinned), found among the loaded
 * modules so that it is the running kernel's own instance.
 */

/** A Jupyter MIME bundle: MIME type → content (string, or JSON for JSON types). */
export type MimeBundle = Record<string, unknown>;

type WriteDisplayData = (content: { data: MimeBundle; metadata: Record<string, unknown>; transient: { display_id?: string } }, update: boolean) => void;

/** The running tslab kernel's display writer, or null outside a kernel (plain Node). */
export function kernelDisplayWriter(): WriteDisplayData | null {
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
