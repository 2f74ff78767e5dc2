/**
 * A sweep's result set: one row per (configuration, seed) with its metrics, time and where it ran;
 * the summary over seeds (mean, sd, min, max per configuration and metric); a table view and a chart
 * of each configuration's mean curve with a ±sd band; saved to and loaded from JSON or CSV.
 */
import * as fs from 'fs';
import * as path from 'path';
import { HtmlView, escapeHtml } from '../display/htmlView';
import { VEGA_LITE_SCHEMA, VegaLiteSpec } from '../display/vegaLite';
import { configLabel, SweepConfig } from './grid';

/** A metric's history as `EvaluationPlugin.getAllMetrics()` gives it (only `values` is required). */
export interface HistoryLike {
  x?: number[];
  values: unknown[];
  trainedExperience?: (number | null)[];
}

/** What a run returned: metric name → a number, or a history (its last value is the run's result). */
export type SweepMetrics = Record<string, unknown>;

/** One run's outcome. */
export interface SweepRow {
  configIndex: number;
  config: SweepConfig;
  seed: number;
  /** The run's metrics (absent when it failed). */
  metrics?: SweepMetrics;
  /** The error message when the run threw. */
  error?: string;
  /** Seconds the run took. */
  seconds: number;
  /** Where it ran: `host:pid` (a pool worker or a queue worker), or `serial`. */
  worker: string;
}

/** The summary of one metric of one configuration over its seeds. */
export interface SummaryRow {
  config: string;
  metric: string;
  /** Seeds with a finite value. */
  n: number;
  mean: number;
  /** Sample standard deviation (n - 1 in the denominator; 0 for one seed). */
  sd: number;
  min: number;
  max: number;
}

function isHistory(v: unknown): v is HistoryLike {
  return v !== null && typeof v === 'object' && Array.isArray((v as HistoryLike).values);
}

/** A metric's final value: the number itself, or a history's last value; null when not a number. */
export function finalValue(v: unknown): number | null {
  const last = isHistory(v) ? v.values[v.values.length - 1] : v;
  return typeof last === 'number' ? last : null;
}

/** JSON cannot hold NaN and ±Infinity: they travel (to workers, Redis, files) as tagged strings. */
export function encodeNumbers(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : { $number: String(value) };
  if (Array.isArray(value)) return value.map(encodeNumbers);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encodeNumbers(v)]));
  return value;
}

/** The inverse of `encodeNumbers`. */
export function decodeNumbers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeNumbers);
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (Object.keys(o).length === 1 && typeof o.$number === 'string') return Number(o.$number);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, decodeNumbers(v)]));
  }
  return value;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Sample standard deviation (0 for one value). */
function sd(xs: number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}

/** CSV field quoting (RFC 4180). */
function csvField(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(encodeNumbers(v)) ?? '';
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Splits one CSV text into records of fields (RFC 4180 quoting). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n') row.push(field), rows.push(row), (row = []), (field = '');
    else if (c !== '\r') field += c;
  }
  if (field !== '' || row.length) row.push(field), rows.push(row);
  return rows;
}

const CSV_COLUMNS = ['configIndex', 'config', 'seed', 'seconds', 'worker', 'error', 'metrics'] as const;

/** The rows of a sweep, and what to do with them. */
export class SweepResults {
  readonly rows: SweepRow[];

  constructor(rows: SweepRow[]) {
    this.rows = [...rows].sort((a, b) => a.configIndex - b.configIndex || a.seed - b.seed);
  }

  /** The configurations, in grid order. */
  get configs(): SweepConfig[] {
    const byIndex = new Map(this.rows.map((r) => [r.configIndex, r.config]));
    return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, c]) => c);
  }

  /** The rows whose run threw. */
  get failed(): SweepRow[] {
    return this.rows.filter((r) => r.error !== undefined);
  }

  /** Metric names present in the successful rows. */
  metricNames(): string[] {
    return [...new Set(this.rows.flatMap((r) => Object.keys(r.metrics ?? {})))].sort();
  }

  /**
   * Mean, sd, min and max over seeds of each metric's final value, per configuration (`metric`: one
   * name or a substring filter; default every metric with numbers).
   */
  summary(metric?: string): SummaryRow[] {
    const names = this.metricNames().filter((m) => metric === undefined || m === metric || m.includes(metric));
    if (metric !== undefined && names.length === 0) throw new Error(`summary: no metric matches '${metric}'; metrics: ${this.metricNames().join(', ')}`);
    const out: SummaryRow[] = [];
    for (const [configIndex, config] of this.configs.entries()) {
      const rows = this.rows.filter((r) => r.configIndex === configIndex && r.metrics);
      for (const name of names) {
        const values = rows.map((r) => finalValue(r.metrics![name])).filter((v): v is number => v !== null && Number.isFinite(v));
        if (values.length === 0) continue;
        out.push({ config: configLabel(config), metric: name, n: values.length, mean: mean(values), sd: sd(values), min: Math.min(...values), max: Math.max(...values) });
      }
    }
    return out;
  }

  /** The summary as a table (HTML, and text where HTML does not show). */
  table(metric?: string): HtmlView {
    const rows = this.summary(metric);
    const f = (v: number) => v.toFixed(4);
    const head = '<tr><th>configuration</th><th>metric</th><th>seeds</th><th>mean ± sd</th><th>min</th><th>max</th></tr>';
    const body = rows.map((r) => `<tr><td>${escapeHtml(r.config)}</td><td>${escapeHtml(r.metric)}</td><td>${r.n}</td><td>${f(r.mean)} ± ${f(r.sd)}</td><td>${f(r.min)}</td><td>${f(r.max)}</td></tr>`).join('');
    const failed = this.failed.map((r) => `<tr><td>${escapeHtml(configLabel(r.config))}</td><td colspan="5">seed ${r.seed} failed: ${escapeHtml(r.error!)}</td></tr>`).join('');
    const text = [
      ...rows.map((r) => `${r.config} | ${r.metric} | n=${r.n} | ${f(r.mean)} ± ${f(r.sd)} | min ${f(r.min)} | max ${f(r.max)}`),
      ...this.failed.map((r) => `${configLabel(r.config)} | seed ${r.seed} failed: ${r.error}`),
    ].join('\n');
    return new HtmlView(`<table class="avalanche-ts-sweep">${head}${body}${failed}</table>`, text);
  }

  /**
   * One colour per configuration: its mean over seeds as a line and mean ± sd as a band. A metric
   * with a history is drawn against the experience trained on (or its `x`); a number, as a point
   * with an error bar.
   */
  compareRuns(options: { metric: string; title?: string; x?: 'experience' | 'step' }): VegaLiteSpec {
    const metric = options?.metric;
    if (typeof metric !== 'string' || !this.metricNames().includes(metric)) {
      throw new Error(`compareRuns: metric must be one of the runs' metrics (${this.metricNames().join(', ')}), got ${JSON.stringify(metric)}`);
    }
    const xKind = options.x ?? 'experience';
    const points = new Map<string, Map<number, number[]>>();
    let scalar = true;
    for (const r of this.rows) {
      const v = r.metrics?.[metric];
      if (v === undefined) continue;
      const label = configLabel(r.config);
      const byX = points.get(label) ?? new Map<number, number[]>();
      points.set(label, byX);
      if (isHistory(v)) {
        scalar = false;
        v.values.forEach((value, i) => {
          if (typeof value !== 'number' || !Number.isFinite(value)) return;
          const x = xKind === 'step' ? v.x?.[i] ?? i : v.trainedExperience?.[i] ?? i;
          if (x === null) return;
          byX.set(x, [...(byX.get(x) ?? []), value]);
        });
      } else if (typeof v === 'number' && Number.isFinite(v)) byX.set(0, [...(byX.get(0) ?? []), v]);
    }
    const data = [...points].flatMap(([config, byX]) =>
      [...byX].sort(([a], [b]) => a - b).map(([x, vs]) => {
        const [m, d] = [mean(vs), sd(vs)];
        return { config, x, mean: m, lo: m - d, hi: m + d, n: vs.length };
      }),
    );
    const title = options.title ?? `${metric}: mean ± sd over seeds`;
    const tooltip = [{ field: 'config' }, { field: 'mean', format: '.4f' }, { field: 'lo', title: 'mean - sd', format: '.4f' }, { field: 'hi', title: 'mean + sd', format: '.4f' }, { field: 'n', title: 'seeds' }];
    const color = { field: 'config', type: 'nominal', title: 'configuration', legend: { labelLimit: 0 } };
    if (scalar) {
      return {
        $schema: VEGA_LITE_SCHEMA, title, data: { values: data },
        encoding: { x: { field: 'config', type: 'nominal', title: null, axis: { labelAngle: 0, labelLimit: 0 } }, color },
        layer: [
          { mark: { type: 'rule' }, encoding: { y: { field: 'lo', type: 'quantitative', title: metric }, y2: { field: 'hi' } } },
          { mark: { type: 'point', filled: true, size: 80 }, encoding: { y: { field: 'mean', type: 'quantitative' }, tooltip } },
        ],
      };
    }
    const xTitle = xKind === 'step' ? 'step' : 'trained on experience';
    return {
      $schema: VEGA_LITE_SCHEMA, title, data: { values: data },
      encoding: { x: { field: 'x', type: 'quantitative', title: xTitle, axis: xKind === 'experience' ? { tickMinStep: 1, format: 'd' } : {} }, color },
      layer: [
        { mark: { type: 'area', opacity: 0.2 }, encoding: { y: { field: 'lo', type: 'quantitative', title: metric }, y2: { field: 'hi' } } },
        { mark: { type: 'line', point: true }, encoding: { y: { field: 'mean', type: 'quantitative' }, tooltip } },
      ],
      width: 420,
      height: 240,
    };
  }

  /** Plain data (NaN and ±Infinity tagged), as saved in JSON. */
  toJSON(): { rows: unknown[] } {
    return { rows: this.rows.map((r) => encodeNumbers(r)) };
  }

  /** Saves to `file`: `.json` (everything) or `.csv` (a row per run, config and metrics as JSON). Appends nothing: the file is written whole. */
  save(file: string): void {
    const ext = path.extname(file).toLowerCase();
    if (ext === '.json') return fs.writeFileSync(file, JSON.stringify(this.toJSON(), null, 1));
    if (ext !== '.csv') throw new Error(`SweepResults.save: file must end in .json or .csv, got '${file}'`);
    const lines = [CSV_COLUMNS.join(',')];
    for (const r of this.rows) lines.push([r.configIndex, r.config, r.seed, r.seconds, r.worker, r.error ?? '', r.metrics ?? null].map(csvField).join(','));
    fs.writeFileSync(file, lines.join('\n') + '\n');
  }

  /** Loads what `save` wrote. */
  static load(file: string): SweepResults {
    const text = fs.readFileSync(file, 'utf8');
    const ext = path.extname(file).toLowerCase();
    if (ext === '.json') {
      const parsed = JSON.parse(text) as { rows?: unknown };
      if (!Array.isArray(parsed.rows)) throw new Error(`SweepResults.load: ${file} has no rows`);
      return new SweepResults(parsed.rows.map((r) => decodeNumbers(r) as SweepRow));
    }
    if (ext !== '.csv') throw new Error(`SweepResults.load: file must end in .json or .csv, got '${file}'`);
    const [header, ...records] = parseCsv(text);
    if (header?.join(',') !== CSV_COLUMNS.join(',')) throw new Error(`SweepResults.load: ${file} does not start with the columns ${CSV_COLUMNS.join(',')}`);
    return new SweepResults(records.filter((f) => f.length > 1).map((f) => {
      const metrics = decodeNumbers(JSON.parse(f[6])) as SweepMetrics | null;
      return {
        configIndex: Number(f[0]), config: JSON.parse(f[1]), seed: Number(f[2]), seconds: Number(f[3]), worker: f[4],
        ...(f[5] !== '' ? { error: f[5] } : {}), ...(metrics ? { metrics } : {}),
      };
    }));
  }
}
