import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ClassificationDataset, MetricHistory, ParametricBuffer, ReservoirSamplingBuffer, LivePlotLogger, MetricValue,
  accuracyMatrixChart, bufferClassHistogram, bufferTable, compareRuns, confusionMatrixChart, decodePng, exemplarGrid,
  forgettingChart, learningCurves, lossCurves, renderSvg, sideBySide, toMimeBundle, trackBuffer, PlotlyFigure,
  publishDisplayData, VegaLiteSpec, MimeBundle, plotlyToVegaLite, setPlotlyJs,
} from 'avalanche-ts';

type Rows = Array<Record<string, unknown>>;
const rowsOf = (spec: VegaLiteSpec) => (spec.data as { values: Rows }).values;

/** A history as getAllMetrics() gives it: two experiences evaluated after each of two trainings. */
function history(scale = 1): Record<string, MetricHistory> {
  return {
    'Top1_Acc_Exp/eval_phase/test_stream/Task000/Exp000': { x: [10, 20], values: [0.9 * scale, 0.4 * scale], trainedExperience: [0, 1] },
    'Top1_Acc_Exp/eval_phase/test_stream/Task000/Exp001': { x: [10, 20], values: [0.1 * scale, 0.8 * scale], trainedExperience: [0, 1] },
    'Top1_Acc_Stream/eval_phase/test_stream/Task000': { x: [10, 20], values: [0.5 * scale, 0.6 * scale], trainedExperience: [0, 1] },
    'Loss_MB/train_phase/train_stream/Task000': { x: [1, 2, 3], values: [2, 1.5, 1], trainedExperience: [null, null, 0] },
    'Loss_Stream/eval_phase/test_stream/Task000': { x: [10, 20], values: [1.2, 1.1], trainedExperience: [0, 1] },
  };
}

/** The number of marks of a type in a rendered SVG (vega writes one group per mark set). */
function countMarks(svg: string, type: string): number {
  const groups = svg.split(`class="mark-${type} role-mark`).slice(1);
  return groups.reduce((n, g) => n + (g.split('</g>')[0].match(/<(path|text|line|rect)\b/g) ?? []).length, 0);
}

test('learningCurves: a line per experience, against step or experience', async () => {
  const spec = learningCurves(history(), { metric: 'Top1_Acc_Exp' });
  assert.deepEqual(rowsOf(spec), [
    { x: 10, value: 0.9, series: 'Exp000', metric: 'Top1_Acc_Exp' }, { x: 20, value: 0.4, series: 'Exp000', metric: 'Top1_Acc_Exp' },
    { x: 10, value: 0.1, series: 'Exp001', metric: 'Top1_Acc_Exp' }, { x: 20, value: 0.8, series: 'Exp001', metric: 'Top1_Acc_Exp' },
  ]);
  assert.equal((spec.encoding as Record<string, { field: string }>).color.field, 'series');
  const byExp = learningCurves(history(), { metric: 'Top1_Acc_Stream', x: 'experience' });
  assert.deepEqual(rowsOf(byExp).map((r) => [r.x, r.value]), [[0, 0.5], [1, 0.6]]);
  const svg = await renderSvg(spec);
  assert.equal(countMarks(svg, 'line'), 2, 'two lines');
  assert.equal(countMarks(svg, 'symbol'), 4, 'four points');
  const loss = lossCurves(history());
  assert.deepEqual([...new Set(rowsOf(loss).map((r) => r.series))], ['Loss_MB train_stream/Task000', 'Loss_Stream test_stream/Task000']);
});

test('accuracy matrix, forgetting, confusion matrix and runs compared: data and marks', async () => {
  const matrix = { trainedOn: [0, 1, 2], evaluatedOn: [0, 1, 2], values: [[0.9, 0.1, 0], [0.5, 0.8, 0.1], [0.3, 0.6, 0.95]] };
  const heat = accuracyMatrixChart(matrix);
  assert.equal(rowsOf(heat).length, 9);
  assert.deepEqual(rowsOf(heat)[3], { trainedOn: 1, evaluatedOn: 0, accuracy: 0.5 });
  const heatSvg = await renderSvg(heat);
  assert.equal(countMarks(heatSvg, 'rect'), 9);
  assert.equal(countMarks(heatSvg, 'text'), 9);
  assert.ok(heatSvg.includes('>0.95<'));
  const forgetting = forgettingChart(matrix);
  assert.deepEqual(rowsOf(forgetting).map((r) => [r.experience, +(r.forgetting as number).toFixed(4)]), [[0, 0.6], [1, 0.2]]);
  assert.equal(countMarks(await renderSvg(forgetting), 'rect'), 2);
  const cm = confusionMatrixChart([[5, 1], [2, 7]], { classNames: ['cat', 'dog'] });
  assert.deepEqual(rowsOf(cm)[1], { trueClass: 'cat', predicted: 'dog', count: 1 });
  const cmSvg = await renderSvg(cm);
  assert.ok(cmSvg.includes('>cat<') && cmSvg.includes('>dog<'), 'class names on the axes');
  const runs = compareRuns({ Naive: history(), Replay: history(1.2) });
  assert.deepEqual(rowsOf(runs).map((r) => [r.series, r.x, +(r.value as number).toFixed(2)]), [['Naive', 0, 0.5], ['Naive', 1, 0.6], ['Replay', 0, 0.6], ['Replay', 1, 0.72]]);
  assert.equal(countMarks(await renderSvg(runs), 'line'), 2);
  const both = sideBySide(heat, forgetting);
  assert.equal((both.hconcat as unknown[]).length, 2);
  assert.equal(both.resolve, undefined, 'one colour field: a shared scale');
  assert.equal(sideBySide(learningCurves(history(), { metric: 'Top1_Acc_Exp' }), runs).resolve, undefined, 'both coloured by series');
  const byGroup = { mark: 'bar', data: { values: [{ g: 'a', n: 1 }] }, encoding: { x: { field: 'g' }, y: { field: 'n' }, color: { field: 'g' } } };
  assert.deepEqual(sideBySide(runs, byGroup).resolve, { scale: { color: 'independent' } });
  assert.ok((await renderSvg(both)).startsWith('<svg'));
});

test('bad input to the plots is a clear error', () => {
  assert.throws(() => learningCurves({}, { metric: 'Top1_Acc_Exp' }), /the metric history is empty/);
  assert.throws(() => learningCurves(history(), { metric: 'Top1_Acc_Epoch' }), /unknown metric 'Top1_Acc_Epoch'; closest names: Top1_Acc_Exp, Top1_Acc_Stream, Loss_Stream \(all: Loss_MB, Loss_Stream, Top1_Acc_Exp, Top1_Acc_Stream\)/);
  assert.throws(() => learningCurves(history(), { metric: 'Top1_Acc_Exp', x: 'epoch' as never }), /x must be 'step' or 'experience'/);
  assert.throws(() => confusionMatrixChart([[1, 2], [3, 4]], { classNames: ['a', 'b', 'c'] }), /3 class names for a 2 x 2 matrix/);
  assert.throws(() => confusionMatrixChart([[1, 2]]), /must be square/);
  assert.throws(() => forgettingChart({ trainedOn: [0], evaluatedOn: [0], values: [[1]] }), /at least two experiences/);
  assert.throws(() => compareRuns({}), /give at least one run/);
});

/** The share of pixels of a PNG that are not white (drawn ink). */
function inkShare(png: Uint8Array): number {
  const { rgba } = decodePng(png);
  let ink = 0;
  for (let i = 0; i < rgba.length; i += 4) if (rgba[i] < 200 || rgba[i + 1] < 200 || rgba[i + 2] < 200) ink += 1;
  return ink / (rgba.length / 4);
}

test('the MIME bundle: Vega-Lite v5, PNG drawn from the SVG (text included), SVG, text, no HTML; Plotly: JSON and a static picture, plotly.js only when asked', async () => {
  const spec = learningCurves(history(), { metric: 'Top1_Acc_Stream', title: 'stream accuracy' });
  const bundle = await toMimeBundle(spec);
  assert.deepEqual(Object.keys(bundle).sort(), ['application/vnd.vegalite.v5+json', 'image/png', 'image/svg+xml', 'text/plain']);
  assert.equal((bundle['application/vnd.vegalite.v5+json'] as VegaLiteSpec).$schema, 'https://vega.github.io/schema/vega-lite/v5.json');
  const svg = bundle['image/svg+xml'] as string;
  assert.ok(svg.startsWith('<svg') && svg.includes('stream accuracy'));
  const png = new Uint8Array(Buffer.from(bundle['image/png'] as string, 'base64'));
  const [, w, h] = svg.match(/^<svg[^>]* width="(\d+)" height="(\d+)"/)!;
  assert.deepEqual([decodePng(png).width, decodePng(png).height], [Number(w), Number(h)], 'the PNG has the chart\'s size');
  assert.ok(inkShare(png) > 0.01, `the chart is drawn (${inkShare(png)})`);
  // The text is drawn: the same chart with no title has less ink.
  const untitled = await toMimeBundle(learningCurves(history(), { metric: 'Top1_Acc_Stream', title: ' ' }));
  assert.ok(inkShare(png) > inkShare(new Uint8Array(Buffer.from(untitled['image/png'] as string, 'base64'))), 'the title is drawn');
  assert.equal(bundle['text/plain'], '<Vega-Lite chart: stream accuracy>');
  const plotly = await toMimeBundle(new PlotlyFigure([{ y: [1, 2], type: 'scatter', name: 'run' }], { title: { text: 'p' } }));
  assert.deepEqual(Object.keys(plotly).sort(), ['application/vnd.plotly.v1+json', 'image/png', 'text/plain']);
  assert.deepEqual(plotly['application/vnd.plotly.v1+json'], { data: [{ y: [1, 2], type: 'scatter', name: 'run' }], layout: { title: { text: 'p' } } });
  assert.ok(inkShare(new Uint8Array(Buffer.from(plotly['image/png'] as string, 'base64'))) > 0.01, 'the static picture is drawn');
  assert.equal(plotly['text/plain'], '<Plotly figure: p, 1 trace>');
  const redrawn = plotlyToVegaLite([{ y: [1, 2], name: 'run' }, { x: [0, 5], y: [3, 4], type: 'bar' }], { title: 'p', yaxis: { title: { text: 'acc' }, range: [0, 1] } })!;
  assert.equal(redrawn.title, 'p');
  assert.deepEqual((redrawn.layer as Array<{ data: { values: unknown[] }; mark: unknown }>).map((l) => [l.data.values, l.mark]), [
    [[{ x: 0, y: 1, trace: 'run' }, { x: 1, y: 2, trace: 'run' }], { type: 'line', point: true }],
    [[{ x: 0, y: 3, trace: 'trace 1' }, { x: 5, y: 4, trace: 'trace 1' }], { type: 'bar' }],
  ]);
  assert.deepEqual((redrawn.encoding as { y: unknown }).y, { field: 'y', type: 'quantitative', title: 'acc', scale: { domain: [0, 1] } });
  // A trace type with no static picture: the text form says how to see it.
  const pie = await toMimeBundle(new PlotlyFigure([{ type: 'pie', values: [1, 2] }]));
  assert.deepEqual(Object.keys(pie).sort(), ['application/vnd.plotly.v1+json', 'text/plain']);
  assert.match(pie['text/plain'] as string, /no static picture.*jupyterlab-plotly.*setPlotlyJs\('inline'\).*trust the notebook/);
  // plotly.js inline, on request: in the first figure only; the HTML shows the static picture until the script runs.
  setPlotlyJs('inline');
  try {
    const first = await toMimeBundle(new PlotlyFigure([{ y: [1, 2] }]));
    assert.ok((first['text/html'] as string).length > 1_000_000, 'the first figure carries plotly.js');
    const second = await toMimeBundle(new PlotlyFigure([{ y: [3] }]));
    assert.ok((second['text/html'] as string).length < 30_000, 'later figures reuse it');
    assert.match(second['text/html'] as string, /<img alt="Plotly figure, 1 trace" src="data:image\/png;base64,.*Trust the notebook to draw the interactive figure/);
  } finally {
    setPlotlyJs('none');
  }
  assert.throws(() => setPlotlyJs('cdn' as never), /setPlotlyJs: mode must be one of 'none', 'inline', got "cdn"/);
  await assert.rejects(toMimeBundle({ foo: 1 } as never), /show: expected a Vega-Lite spec/);
  await assert.rejects(toMimeBundle({ mark: 'nonsense' }), /invalid Vega-Lite spec/);
  // Outside a kernel, the text form is printed.
  const writes: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((s: string) => writes.push(s)) as never;
  let sent: boolean;
  try {
    sent = publishDisplayData(bundle as MimeBundle);
  } finally {
    process.stdout.write = write;
  }
  assert.equal(sent, false);
  assert.deepEqual(writes, ['<Vega-Lite chart: stream accuracy>\n']);
});

/** `n` samples of 2x2 images per class in `classes`, from experience `exp`. */
function data(classes: number[], n: number, exp: number): ClassificationDataset {
  const len = classes.length * n;
  return new ClassificationDataset({
    images: Uint8Array.from({ length: len * 4 }, (_, i) => (i * 40) % 256),
    targets: Int32Array.from({ length: len }, (_, i) => classes[i % classes.length]),
    experienceIds: new Int32Array(len).fill(exp),
    sampleIds: Int32Array.from({ length: len }, (_, i) => exp * 1000 + i),
    sampleShape: [2, 2],
  });
}

test('buffer views: histogram by group, composition after each update, exemplar grid, index table', async () => {
  const reservoir = new ReservoirSamplingBuffer(12, { seed: 1 });
  const balanced = new ParametricBuffer({ maxSize: 12, groupby: 'class', seed: 1 });
  const hr = trackBuffer(reservoir);
  const hb = trackBuffer(balanced, 'balanced');
  for (let e = 0; e < 3; e++) {
    const state = { experience: { dataset: data([2 * e, 2 * e + 1], 10, e), currentExperience: e } };
    reservoir.update(state);
    balanced.update(state);
  }
  assert.equal(hr.snapshots.length, 3);
  assert.deepEqual([...hb.snapshots[2].classes.values()], [2, 2, 2, 2, 2, 2]);
  assert.deepEqual([...hb.snapshots[0].experiences], [[0, 12]]);
  const comp = hb.compositionChart({ by: 'experience' });
  assert.deepEqual(rowsOf(comp).filter((r) => r.update === 3), [{ update: 3, part: 'exp 0', count: 4 }, { update: 3, part: 'exp 1', count: 4 }, { update: 3, part: 'exp 2', count: 4 }]);
  assert.equal(countMarks(await renderSvg(comp), 'rect'), 1 + 2 + 3);
  const hist = bufferClassHistogram(balanced);
  assert.equal(rowsOf(hist).length, 6);
  assert.ok(rowsOf(hist).every((r) => r.count === 2 && String(r.group).startsWith('group ')));
  assert.equal(rowsOf(bufferClassHistogram(reservoir)).reduce((a, r) => a + (r.count as number), 0), 12);

  const grid = exemplarGrid(balanced, { perClass: 2, scale: 3 });
  const bundle = grid.toMimeBundle();
  assert.equal((bundle['text/html'] as string).match(/<tr>/g)!.length, 6, 'a row per class');
  const png = decodePng(Buffer.from(bundle['image/png'] as string, 'base64'));
  assert.deepEqual([png.width, png.height], [2 + 2 * (6 + 2), 2 + 6 * (6 + 2)]);
  // First image, first pixel (scaled 3x): 255 - original byte, inverted to dark on white.
  const first = balanced.buffer.indicesBy('class').values().next().value![0];
  const expected = 255 - balanced.buffer.images[first * 4];
  assert.equal(png.rgba[(2 * png.width + 2) * 4], expected);

  const table = bufferTable(reservoir, { limit: 3 });
  const lines = table.text.split('\n');
  assert.equal(lines.length, 1 + 3 + 1);
  assert.match(lines[0], /#\s+sample id\s+class\s+task\s+experience/);
  assert.match(lines[4], /9 more rows not shown \(limit 3\)/);
  assert.equal((table.html.match(/<tr>/g) ?? []).length, 4);
  assert.throws(() => exemplarGrid(new ReservoirSamplingBuffer(3)), /the buffer is empty/);
  assert.throws(() => new ReservoirSamplingBuffer(3) && trackBuffer(new ReservoirSamplingBuffer(3)).compositionChart(), /has no recorded update yet/);
});

test('LivePlotLogger: redraws at most every minIntervalMs, and once at the end', async () => {
  const bundles: Array<[MimeBundle, boolean]> = [];
  const live = new LivePlotLogger({ metrics: ['Loss_MB'], minIntervalMs: 60_000, sink: (b, u) => bundles.push([b, u]) });
  for (let i = 1; i <= 20; i++) {
    live.logSingleMetric({ name: 'Loss_MB/train_phase/train_stream/Task000', value: 1 / i, xPlot: i } as MetricValue);
    live.logSingleMetric({ name: 'Top1_Acc_MB/train_phase/train_stream/Task000', value: 0.5, xPlot: i } as MetricValue);
    live.afterTrainingIteration();
  }
  live.afterTraining();
  await live.flush();
  await live.close();
  assert.equal(bundles.length, 2, 'the first draw, then the final one');
  assert.deepEqual(bundles.map(([, update]) => update), [false, true]);
  const spec = bundles[1][0]['application/vnd.vegalite.v5+json'] as VegaLiteSpec;
  assert.equal(rowsOf(spec).length, 20);
  assert.ok(rowsOf(spec).every((r) => r.metric === 'Loss_MB'));
  assert.throws(() => new LivePlotLogger({ metrics: [] }), /metrics must be a non-empty list/);
});

test('run charts: the experience axis has whole-number ticks only, and legends show whole series names', async () => {
  const run = (values: number[]) => ({ getAllMetrics: () => ({ 'Top1_Acc_Stream/eval_phase/test_stream/Task000': { x: [1, 2, 3, 4, 5], values, trainedExperience: [0, 1, 2, 3, 4] } }) }) as never;
  const svg = await renderSvg(compareRuns({ 'Naive train_stream/Task000 long name': run([0.9, 0.5, 0.4, 0.3, 0.2]), Replay: run([0.9, 0.8, 0.7, 0.7, 0.6]) }) as never);
  const labels = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  const ticks = labels.slice(0, labels.indexOf('trained on experience'));
  assert.deepEqual(ticks, ['0', '1', '2', '3', '4']);
  assert.ok(labels.includes('Naive train_stream/Task000 long name'), labels.join(' | '));
});
