/** Renders chart bundles in a worker thread (see svgWorker.ts); the worker does not keep Node alive. */
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { MimeBundle } from './jupyter';
import type { VegaLiteSpec } from './vegaLite';

/** A worker rendering Vega-Lite specs into MIME bundles, one request at a time in order. */
export class BackgroundRenderer {
  private worker: Worker | null = null;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (b: MimeBundle) => void; reject: (e: Error) => void }>();

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(path.join(__dirname, 'svgWorker.js'));
    worker.unref();
    worker.on('message', (msg: { id: number; bundle?: MimeBundle; error?: string }) => {
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (!p) return;
      if (msg.error !== undefined) p.reject(new Error(msg.error));
      else p.resolve(msg.bundle!);
    });
    worker.on('error', (error) => {
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
      this.worker = null;
    });
    this.worker = worker;
    return worker;
  }

  /** The bundle of `spec`, rendered in the worker. */
  render(spec: VegaLiteSpec): Promise<MimeBundle> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.start().postMessage({ id, spec });
    });
  }

  /** Stops the worker. */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}
