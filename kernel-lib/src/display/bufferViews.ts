/**
 * Looking inside replay buffers: class histograms (whole and per group), the composition after
 * each update (which classes, which experiences), a grid of the stored exemplars, and a table of
 * the buffer's index. They work on every buffer, standalone or inside a plugin, and on datasets.
 */
import { ClassificationDataset } from '../data/dataset';
import type { ExemplarsBuffer } from '../storage/exemplarsBuffer';
import { HtmlView, escapeHtml } from './htmlView';
import { encodePng } from './png';
import { VEGA_LITE_SCHEMA, VegaLiteSpec } from './vegaLite';

/** A buffer or the dataset it holds. */
export type BufferLike = ExemplarsBuffer | ClassificationDataset;

function datasetOf(x: BufferLike): ClassificationDataset {
  if (x instanceof ClassificationDataset) return x;
  const data = (x as ExemplarsBuffer)?.buffer;
  if (!(data instanceof ClassificationDataset)) throw new Error('expected a buffer (ExemplarsBuffer) or a ClassificationDataset');
  return data;
}

function groupsOf(x: BufferLike): Map<number, ExemplarsBuffer> | null {
  const groups = (x as { bufferGroups?: Map<number, ExemplarsBuffer> }).bufferGroups;
  return groups instanceof Map && groups.size > 0 ? groups : null;
}

function className(names: string[] | undefined, c: number): string {
  return names?.[c] ?? String(c);
}

/** Options of the buffer charts. */
export interface BufferChartOptions {
  title?: string;
  /** Names of the classes (index = class id). */
  classNames?: string[];
}

/**
 * Samples per class in a buffer; for a buffer made of groups (`ParametricBuffer`, `ClassBalancedBuffer`,
 * ...), the bars are split by group.
 */
export function bufferClassHistogram(buffer: BufferLike, options: BufferChartOptions = {}): VegaLiteSpec {
  const groups = groupsOf(buffer);
  const rows: Array<{ cls: string; group: string; count: number }> = [];
  const add = (data: ClassificationDataset, group: string) => {
    for (const [c, idx] of data.indicesBy('class')) rows.push({ cls: className(options.classNames, c), group, count: idx.length });
  };
  if (groups) for (const [id, g] of groups) add(g.buffer, `group ${id}`);
  else add(datasetOf(buffer), 'all');
  const total = rows.reduce((a, r) => a + r.count, 0);
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: options.title ?? `buffer: ${total} samples by class`,
    data: { values: rows },
    mark: 'bar',
    encoding: {
      x: { field: 'cls', type: 'ordinal', title: 'class', sort: options.classNames },
      y: { field: 'count', type: 'quantitative', title: 'samples', aggregate: 'sum' },
      ...(groups ? { color: { field: 'group', type: 'nominal', title: 'group' } } : {}),
      tooltip: [{ field: 'cls', title: 'class' }, { field: 'group' }, { field: 'count', aggregate: 'sum' }],
    },
    width: { step: 26 },
    height: 180,
  };
}

/** The composition of a buffer at one update. */
export interface BufferSnapshot {
  /** Update number (1 for the first update). */
  step: number;
  size: number;
  maxSize: number;
  /** Samples per class. */
  classes: Map<number, number>;
  /** Samples per experience of origin. */
  experiences: Map<number, number>;
}

/**
 * The composition of a buffer after each update. `trackBuffer(buffer)` makes one that records
 * itself whenever `buffer.update` is called (by you or by a plugin).
 */
export class BufferHistory {
  readonly snapshots: BufferSnapshot[] = [];

  constructor(
    readonly buffer: ExemplarsBuffer,
    readonly name = buffer.constructor.name,
  ) {}

  /** Records the buffer as it is now. */
  record(): BufferSnapshot {
    const data = this.buffer.buffer;
    const count = (field: 'class' | 'experience') => new Map([...data.indicesBy(field)].map(([k, v]) => [k, v.length]));
    const snap = { step: this.snapshots.length + 1, size: data.length, maxSize: this.buffer.maxSize, classes: count('class'), experiences: count('experience') };
    this.snapshots.push(snap);
    return snap;
  }

  /** Stacked bars, one per update: the samples of each class (or experience of origin). */
  compositionChart(options: BufferChartOptions & { by?: 'class' | 'experience' } = {}): VegaLiteSpec {
    const by = options.by ?? 'class';
    if (by !== 'class' && by !== 'experience') throw new Error(`compositionChart: by must be 'class' or 'experience', got '${by}'`);
    if (this.snapshots.length === 0) throw new Error(`compositionChart: ${this.name} has no recorded update yet`);
    const rows = this.snapshots.flatMap((s) =>
      [...(by === 'class' ? s.classes : s.experiences)].map(([k, n]) => ({
        update: s.step,
        part: by === 'class' ? className(options.classNames, k) : k < 0 ? 'unknown' : `exp ${k}`,
        count: n,
      })),
    );
    return {
      $schema: VEGA_LITE_SCHEMA,
      title: options.title ?? `${this.name}: ${by === 'class' ? 'classes' : 'experiences'} after each update`,
      data: { values: rows },
      mark: 'bar',
      encoding: {
        x: { field: 'update', type: 'ordinal', title: 'update' },
        y: { field: 'count', type: 'quantitative', title: 'samples', stack: 'zero' },
        color: { field: 'part', type: 'nominal', title: by },
        tooltip: [{ field: 'update' }, { field: 'part', title: by }, { field: 'count' }],
      },
      width: { step: 34 },
      height: 200,
    };
  }
}

/** Starts recording a buffer's composition after each of its updates. */
export function trackBuffer(buffer: ExemplarsBuffer, name?: string): BufferHistory {
  const history = new BufferHistory(buffer, name);
  const update = buffer.update.bind(buffer);
  buffer.update = (state) => {
    const result = update(state);
    if (result && typeof (result as Promise<void>).then === 'function') return (result as Promise<void>).then(() => void history.record());
    history.record();
    return result;
  };
  return history;
}

/** Options of `exemplarGrid`. */
export interface ExemplarGridOptions {
  /** Exemplars shown per class (default 10). */
  perClass?: number;
  /** Pixel scale of each image (default 2). */
  scale?: number;
  classNames?: string[];
  /** Draw dark strokes on white (default true; MNIST stores white on black). */
  invert?: boolean;
}

/** PNG of images side by side (grey levels), `scale` times larger. */
function stripPng(data: ClassificationDataset, indices: ArrayLike<number>, columns: number, scale: number, invert: boolean): { png: Uint8Array; width: number; height: number } {
  const [h, w] = data.sampleShape.length >= 2 ? data.sampleShape : [1, data.sampleSize];
  const rows = Math.ceil(indices.length / columns);
  const gap = 2;
  const width = columns * (w * scale + gap) + gap;
  const height = rows * (h * scale + gap) + gap;
  const rgba = new Uint8Array(width * height * 4).fill(255);
  for (let k = 0; k < indices.length; k++) {
    const ox = gap + (k % columns) * (w * scale + gap);
    const oy = gap + Math.floor(k / columns) * (h * scale + gap);
    const base = indices[k] * data.sampleSize;
    for (let y = 0; y < h * scale; y++) {
      for (let x = 0; x < w * scale; x++) {
        const v0 = data.images[base + Math.floor(y / scale) * w + Math.floor(x / scale)];
        const v = invert ? 255 - v0 : v0;
        const o = ((oy + y) * width + ox + x) * 4;
        rgba[o] = rgba[o + 1] = rgba[o + 2] = v;
        rgba[o + 3] = 255;
      }
    }
  }
  return { png: encodePng(width, height, rgba), width, height };
}

/** The stored exemplars as images, a row per class with its label (HTML, plus the whole grid as PNG). */
export function exemplarGrid(buffer: BufferLike, options: ExemplarGridOptions = {}): HtmlView {
  const data = datasetOf(buffer);
  if (data.length === 0) throw new Error('exemplarGrid: the buffer is empty');
  const perClass = options.perClass ?? 10;
  const scale = options.scale ?? 2;
  const invert = options.invert ?? true;
  const byClass = [...data.indicesBy('class')];
  const rows = byClass.map(([c, idx]) => {
    const shown = idx.subarray(0, perClass);
    const { png } = stripPng(data, shown, perClass, scale, invert);
    const label = `${escapeHtml(className(options.classNames, c))} (${shown.length} of ${idx.length})`;
    return `<tr><td style="text-align:right;padding-right:8px;white-space:nowrap">${label}</td>` +
      `<td><img alt="class ${escapeHtml(className(options.classNames, c))}" src="data:image/png;base64,${Buffer.from(png).toString('base64')}"></td></tr>`;
  });
  const all = Int32Array.from(byClass.flatMap(([, idx]) => Array.from(idx.subarray(0, perClass))));
  const grid = stripPng(data, all, perClass, scale, invert);
  const text = `<exemplar grid: ${data.length} samples, ${byClass.length} classes (${byClass.map(([c, idx]) => `${className(options.classNames, c)}: ${idx.length}`).join(', ')})>`;
  return new HtmlView(`<table class="avalanche-ts-exemplars">${rows.join('')}</table>`, text, grid.png);
}

/** The buffer's index: a row per sample with its original id, class, task and experience. */
export function bufferTable(buffer: BufferLike, options: { limit?: number; classNames?: string[] } = {}): HtmlView {
  const data = datasetOf(buffer);
  const limit = options.limit ?? 50;
  const n = Math.min(limit, data.length);
  const header = ['#', 'sample id', 'class', 'task', 'experience'];
  const rows: string[][] = [];
  for (let i = 0; i < n; i++) {
    rows.push([String(i), String(data.sampleIds[i]), className(options.classNames, data.targets[i]), String(data.taskLabels[i]), String(data.experienceIds[i])]);
  }
  const more = data.length > n ? `${data.length - n} more rows not shown (limit ${limit})` : '';
  const html =
    `<table class="avalanche-ts-buffer-index"><thead><tr>${header.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>` +
    rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('') +
    `</tbody></table>${more ? `<p>${more}</p>` : ''}`;
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (cells: string[]) => cells.map((c, j) => c.padStart(widths[j])).join('  ');
  const text = [line(header), ...rows.map(line), ...(more ? [more] : [])].join('\n');
  return new HtmlView(html, text);
}
