/**
 * `TensorboardLogger`, as Avalanche's: writes a TensorBoard event file (TFRecord-framed `Event`
 * protobufs) with a scalar for every numeric value at its step, and matrices (the confusion matrix)
 * as images. Open the folder with `tensorboard --logdir tb_data`.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { matrixHeatmapPng } from '../../../display/png';
import type { MetricValue } from '../../metricValue';
import type { StrategyLogger } from '../logger';
import { EventFields, encodeEvent } from './eventProto';
import { frameRecord } from './tfrecord';

/** Options of `TensorboardLogger`. */
export interface TensorboardLoggerOptions {
  /** Folder of the event files (default `./tb_data`, as Avalanche); created if missing. */
  logDir?: string;
  /** Pixels per matrix cell in images (default 16). */
  cellSize?: number;
}

/** Writes metric values to a TensorBoard event file, each event as soon as it is emitted. */
export class TensorboardLogger implements StrategyLogger {
  readonly logDir: string;
  /** The event file written by this logger. */
  readonly file: string;
  private fd: number | null;
  private readonly cellSize: number;

  constructor(options: TensorboardLoggerOptions | string = {}) {
    const opts = typeof options === 'string' ? { logDir: options } : options;
    this.logDir = opts.logDir ?? './tb_data';
    this.cellSize = opts.cellSize ?? 16;
    try {
      fs.mkdirSync(this.logDir, { recursive: true });
      this.file = path.join(this.logDir, `events.out.tfevents.${Math.floor(Date.now() / 1000)}.${os.hostname()}.${process.pid}`);
      this.fd = fs.openSync(this.file, 'a');
    } catch (error) {
      throw new Error(`TensorboardLogger: cannot write in logDir '${this.logDir}' (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    this.writeEvent({ wallTime: Date.now() / 1000, fileVersion: 'brain.Event:2' });
  }

  private writeEvent(event: EventFields): void {
    if (this.fd === null) throw new Error(`TensorboardLogger: '${this.file}' was closed by close(); create a new logger to write again`);
    fs.writeSync(this.fd, frameRecord(encodeEvent(event)));
  }

  logSingleMetric(value: MetricValue): void {
    const wallTime = Date.now() / 1000;
    if (typeof value.value === 'number') {
      // NaN and ±Inf too: TensorBoard shows them (a float holds them), as Avalanche writes them.
      this.writeEvent({ wallTime, step: value.xPlot, summary: { value: [{ tag: value.name, simpleValue: value.value }] } });
      return;
    }
    const { png, width, height } = matrixHeatmapPng(value.value, this.cellSize);
    this.writeEvent({
      wallTime,
      step: value.xPlot,
      summary: { value: [{ tag: value.name, image: { height, width, colorspace: 4, encodedImageString: png } }] },
    });
  }

  /** Closes the event file (idempotent). */
  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}
