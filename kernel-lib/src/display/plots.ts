/**
 * Charts of a run, from the evaluation plugin's history: learning and loss curves, the accuracy
 * matrix, forgetting, the confusion matrix, and several runs on one chart. Each function returns a
 * Vega-Lite spec (a plain object to tweak before `show`).
 */
import type { AccuracyMatrix, LabelledMatrix } from '../evaluation/accuracyMatrix';
import type { EvaluationPlugin, MetricHistory } from '../evaluation/evaluationPlugin';
import type { VegaLiteSpec } from './vegaLite';
import { VEGA_LITE_SCHEMA } from './vegaLite';

/** Above this many values, lines are drawn without a symbol per point (readable and fast). */
export const MAX_POINTS = 500;

/** Where a chart's values come from: an evaluation plugin, or its `getAllMetrics()`. */
export type HistorySource = EvaluationPlugin | Record<string, MetricHistory>;

function historyOf(source: HistorySource): Record<string, MetricHistory> {
  const h = typeof (source as EvaluationPlugin).getAllMetrics === 'function' ? (source as EvaluationPlugin).getAllMetrics() : (source as Record<string, MetricHistory>);
  if (!h || Object.keys(h).length === 0) throw new Error('the metric history is empty: train or evaluate with an EvaluationPlugin (collectAll: true) first');
  return h;
}

/** Edit distance, for suggesting metric names. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}

/** The full names matching `metric` (a full name, or a base name such as `Top1_Acc_Exp`). */
export function matchMetric(history: Record<string, MetricHistory>, metric: string): string[] {
  const names = Object.keys(history).filter((n) => n === metric || n.startsWith(`${metric}/`)).sort();
  if (names.length) return names;
  const bases = [...new Set(Object.keys(history).map((n) => n.split('/')[0]))];
  const closest = bases
    .map((b) => [b, distance(metric.split('/')[0].toLowerCase(), b.toLowerCase())] as const)
    .sort((a, b) => a[1] - b[1])
    .slice(0, 3)
    .map(([b]) => b);
  throw new Error(`unknown metric '${metric}'; closest names: ${closest.join(', ')} (all: ${bases.sort().join(', ')})`);
}

/** A short series label: the part of the name after the base (e.g. `Exp002`, `test_stream/Task000`). */
function seriesLabel(name: string, base: string, multipleBases: boolean): string {
  const parts = name.split('/');
  const exp = parts.find((p) => /^Exp\d+$/.test(p));
  const rest = exp ?? parts.slice(2).join('/');
  return multipleBases ? `${parts[0]} ${rest}`.trim() : rest || base;
}

/** Options of `learningCurves`. */
export interface LearningCurvesOptions {
  /** Metric base name(s) or full name(s), e.g. 'Top1_Acc_Exp' (a line per experience) or ['Loss_Epoch', 'Loss_Stream']. */
  metric: string | string[];
  /** X axis: the training step (iterations, default) or the last trained experience. */
  x?: 'step' | 'experience';
  title?: string;
  width?: number;
  height?: number;
}

/** Rows `{ x, value, series }` of the matching metrics. */
export function curveRows(source: HistorySource, metric: string | string[], x: 'step' | 'experience'): Array<{ x: number; value: number; series: string; metric: string }> {
  const history = historyOf(source);
  const metrics = ([] as string[]).concat(metric);
  const rows: Array<{ x: number; value: number; series: string; metric: string }> = [];
  for (const m of metrics) {
    for (const name of matchMetric(history, m)) {
      const h = history[name];
      h.values.forEach((v, i) => {
        if (typeof v !== 'number') return;
        const xv = x === 'step' ? h.x[i] : h.trainedExperience[i];
        if (xv === null || xv === undefined) return;
        rows.push({ x: xv, value: v, series: seriesLabel(name, m, metrics.length > 1), metric: name.split('/')[0] });
      });
    }
  }
  return rows;
}

/** A line chart of `{ x, value, series }` rows. */
function lineChart(rows: Array<{ x: number; value: number; series: string }>, x: 'step' | 'experience', title: string, yTitle: string, colorTitle: string): VegaLiteSpec {
  return {
    $schema: VEGA_LITE_SCHEMA,
    title,
    width: 420,
    height: 240,
    data: { values: rows },
    mark: { type: 'line', point: rows.length <= MAX_POINTS },
    encoding: {
      // Experiences are whole numbers: integer ticks only, printed as integers.
      x: { field: 'x', type: 'quantitative', title: x === 'step' ? 'training iteration' : 'trained on experience', ...(x === 'experience' ? { axis: { tickMinStep: 1, format: 'd' } } : {}) },
      y: { field: 'value', type: 'quantitative', title: yTitle },
      // Series names are long metric paths ("train_stream/Task000"): never cut them in the legend.
      color: { field: 'series', type: 'nominal', title: colorTitle, legend: { labelLimit: 0 } },
      tooltip: [{ field: 'series' }, { field: 'x' }, { field: 'value', format: '.4f' }],
    },
  };
}

/** Any metric against the step or the experience, a line per series (e.g. per evaluated experience). */
export function learningCurves(source: HistorySource, options: LearningCurvesOptions): VegaLiteSpec {
  const x = options.x ?? 'step';
  if (x !== 'step' && x !== 'experience') throw new Error(`learningCurves: x must be 'step' or 'experience', got '${x}'`);
  const rows = curveRows(source, options.metric, x);
  const label = ([] as string[]).concat(options.metric).join(', ');
  const spec = lineChart(rows, x, options.title ?? label, label, 'series');
  if (options.width) spec.width = options.width;
  if (options.height) spec.height = options.height;
  return spec;
}

/** Training loss per iteration (or epoch) and evaluation loss per stream, on one chart. */
export function lossCurves(source: HistorySource, options: { title?: string } = {}): VegaLiteSpec {
  const history = historyOf(source);
  const bases = new Set(Object.keys(history).map((n) => n.split('/')[0]));
  const train = bases.has('Loss_MB') ? 'Loss_MB' : bases.has('Loss_Epoch') ? 'Loss_Epoch' : null;
  const metrics = [train, bases.has('Loss_Stream') ? 'Loss_Stream' : null].filter((m): m is string => m !== null);
  if (metrics.length === 0) matchMetric(history, 'Loss_Epoch'); // throws with suggestions
  return learningCurves(history, { metric: metrics, title: options.title ?? 'loss' });
}

function matrixOf(source: EvaluationPlugin | AccuracyMatrix | LabelledMatrix, stream: string): LabelledMatrix {
  if ('values' in source && Array.isArray((source as LabelledMatrix).values)) return source as LabelledMatrix;
  if ('accuracyMatrix' in source) return (source as EvaluationPlugin).accuracyMatrix.get(stream);
  return (source as AccuracyMatrix).get(stream);
}

/** The accuracy matrix as a heatmap: rows trained-on, columns evaluated-on, with the values written in. */
export function accuracyMatrixChart(source: EvaluationPlugin | AccuracyMatrix | LabelledMatrix, options: { stream?: string; title?: string } = {}): VegaLiteSpec {
  const m = matrixOf(source, options.stream ?? 'test');
  const rows = m.trainedOn.flatMap((i, r) => m.evaluatedOn.map((j, c) => ({ trainedOn: i, evaluatedOn: j, accuracy: m.values[r][c] }))).filter((d) => d.accuracy !== null);
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: options.title ?? 'accuracy on experience j after training on experience i',
    data: { values: rows },
    encoding: {
      x: { field: 'evaluatedOn', type: 'ordinal', title: 'evaluated on experience' },
      y: { field: 'trainedOn', type: 'ordinal', title: 'after training on experience' },
    },
    layer: [
      { mark: 'rect', encoding: { color: { field: 'accuracy', type: 'quantitative', scale: { domain: [0, 1], scheme: 'blues' } } } },
      {
        mark: { type: 'text', fontSize: 11 },
        encoding: {
          text: { field: 'accuracy', type: 'quantitative', format: '.2f' },
          color: { condition: { test: 'datum.accuracy > 0.6', value: 'white' }, value: 'black' },
        },
      },
    ],
    width: { step: 44 },
    height: { step: 30 },
  };
}

/** Forgetting per experience: its accuracy right after training on it minus its accuracy at the end. */
export function forgettingChart(source: EvaluationPlugin | AccuracyMatrix | LabelledMatrix, options: { stream?: string; title?: string } = {}): VegaLiteSpec {
  const m = matrixOf(source, options.stream ?? 'test');
  const lastRow = m.values.length - 1;
  const rows: Array<{ experience: number; forgetting: number }> = [];
  m.evaluatedOn.forEach((j, c) => {
    const r = m.trainedOn.indexOf(j);
    if (r < 0 || r === lastRow) return;
    const initial = m.values[r][c];
    const final = m.values[lastRow][c];
    if (initial !== null && final !== null) rows.push({ experience: j, forgetting: initial - final });
  });
  if (rows.length === 0) throw new Error('forgettingChart: need accuracies after training on at least two experiences');
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: options.title ?? `forgetting after experience ${m.trainedOn[lastRow]}`,
    data: { values: rows },
    mark: 'bar',
    encoding: {
      x: { field: 'experience', type: 'ordinal', title: 'experience' },
      y: { field: 'forgetting', type: 'quantitative', title: 'accuracy lost' },
      tooltip: [{ field: 'experience' }, { field: 'forgetting', format: '.4f' }],
    },
    width: { step: 40 },
    height: 200,
  };
}

/** A confusion matrix as a heatmap (rows: true class, columns: predicted class), with class names. */
export function confusionMatrixChart(source: EvaluationPlugin | number[][], options: { classNames?: string[]; title?: string; metric?: string } = {}): VegaLiteSpec {
  let matrix: number[][];
  let names = options.classNames;
  if (Array.isArray(source)) {
    matrix = source;
  } else {
    const last = source.getLastMetrics();
    const name = options.metric ?? Object.keys(last).find((n) => n.startsWith('ConfusionMatrix_'));
    if (!name || !Array.isArray(last[name])) throw new Error('confusionMatrixChart: no confusion matrix recorded: add confusionMatrixMetrics({ numClasses, stream: true }) and evaluate');
    matrix = last[name] as number[][];
    names ??= source.getLastMeta(name)?.classNames;
  }
  const n = matrix.length;
  if (n === 0 || matrix.some((r) => r.length !== n)) throw new Error('confusionMatrixChart: the matrix must be square and not empty');
  names ??= matrix.map((_, i) => String(i));
  if (names.length !== n) throw new Error(`confusionMatrixChart: ${names.length} class names for a ${n} x ${n} matrix`);
  const rows = matrix.flatMap((r, i) => r.map((v, j) => ({ trueClass: names![i], predicted: names![j], count: v })));
  const max = Math.max(...matrix.flat());
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: options.title ?? 'confusion matrix',
    data: { values: rows },
    encoding: {
      x: { field: 'predicted', type: 'ordinal', sort: names, title: 'predicted class' },
      y: { field: 'trueClass', type: 'ordinal', sort: names, title: 'true class' },
    },
    layer: [
      { mark: 'rect', encoding: { color: { field: 'count', type: 'quantitative', scale: { scheme: 'blues' } } } },
      {
        mark: { type: 'text', fontSize: 10 },
        encoding: {
          text: { field: 'count', type: 'quantitative', format: Number.isInteger(max) ? 'd' : '.2f' },
          color: { condition: { test: `datum.count > ${max * 0.6}`, value: 'white' }, value: 'black' },
        },
      },
    ],
    width: { step: 34 },
    height: { step: 26 },
  };
}

/** Several runs on one chart: a line per run (e.g. `{ Naive: naivePlugin, Replay: replayPlugin }`). */
export function compareRuns(runs: Record<string, HistorySource>, options: { metric?: string; x?: 'step' | 'experience'; title?: string } = {}): VegaLiteSpec {
  const metric = options.metric ?? 'Top1_Acc_Stream';
  const x = options.x ?? 'experience';
  if (Object.keys(runs).length === 0) throw new Error('compareRuns: give at least one run, e.g. { Naive: evalPlugin }');
  const rows = Object.entries(runs).flatMap(([run, source]) => {
    const r = curveRows(source, metric, x);
    const multi = new Set(r.map((d) => d.series)).size > 1;
    return r.map((d) => ({ ...d, series: multi ? `${run} ${d.series}` : run }));
  });
  return lineChart(rows, x, options.title ?? `${metric}: ${Object.keys(runs).join(' vs ')}`, metric, 'run');
}

function colorField(spec: VegaLiteSpec): string | null {
  const enc = (spec.encoding ?? (spec.spec as VegaLiteSpec | undefined)?.encoding) as { color?: { field?: string } } | undefined;
  return enc?.color?.field ?? null;
}

/**
 * Charts side by side. Charts coloured by the same field share one colour scale (the same class has
 * the same colour in both); charts coloured by different fields keep their own.
 */
export function sideBySide(...specs: VegaLiteSpec[]): VegaLiteSpec {
  if (specs.length === 0) throw new Error('sideBySide: give at least one chart');
  const fields = new Set(specs.map(colorField).filter((f) => f !== null));
  return {
    $schema: VEGA_LITE_SCHEMA,
    hconcat: specs.map(({ $schema: _schema, ...rest }) => rest),
    ...(fields.size > 1 ? { resolve: { scale: { color: 'independent' } } } : {}),
  };
}
