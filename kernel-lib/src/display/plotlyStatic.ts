/**
 * A static picture of a Plotly figure for the front-ends where plotly.js cannot run (JupyterLab
 * without a Plotly renderer, untrusted notebooks, GitHub): its scatter and bar traces redrawn as a
 * Vega-Lite chart (same data, names, titles and y range), rendered to SVG and PNG in Node. Other trace
 * types have no picture: the figure's text form then says how to see it.
 */
import type { VegaLiteSpec } from './vegaLite';
import { VEGA_LITE_SCHEMA } from './vegaLite';

type Trace = Record<string, unknown>;

function titleText(title: unknown): string | undefined {
  if (typeof title === 'string') return title;
  const text = (title as { text?: unknown } | undefined)?.text;
  return typeof text === 'string' ? text : undefined;
}

function numbers(values: unknown): number[] | null {
  if (!Array.isArray(values) && !ArrayBuffer.isView(values)) return null;
  const out = Array.from(values as ArrayLike<unknown>, (v) => (v === null || v === undefined ? NaN : Number(v)));
  return out;
}

/** The figure's title, if any. */
export function plotlyTitle(layout: Record<string, unknown>): string | undefined {
  return titleText(layout.title);
}

/**
 * The Vega-Lite spec that redraws the figure's traces, or null when a trace is not a scatter or bar
 * trace with numeric `y` (the figure then has no static picture).
 */
export function plotlyToVegaLite(data: Trace[], layout: Record<string, unknown> = {}): VegaLiteSpec | null {
  if (data.length === 0) return null;
  const layers: Record<string, unknown>[] = [];
  let xIsNumeric = true;
  for (const [i, trace] of data.entries()) {
    const type = trace.type ?? 'scatter';
    if (type !== 'scatter' && type !== 'scattergl' && type !== 'bar') return null;
    const y = numbers(trace.y);
    if (!y) return null;
    const xRaw = Array.isArray(trace.x) || ArrayBuffer.isView(trace.x) ? Array.from(trace.x as ArrayLike<unknown>) : y.map((_, k) => k);
    if (xRaw.length !== y.length) return null;
    if (xRaw.some((v) => typeof v !== 'number')) xIsNumeric = false;
    const name = typeof trace.name === 'string' ? trace.name : `trace ${i}`;
    const values = y.map((v, k) => ({ x: xRaw[k], y: Number.isFinite(v) ? v : null, trace: name }));
    const mode = typeof trace.mode === 'string' ? trace.mode : y.length < 20 ? 'lines+markers' : 'lines';
    const mark = type === 'bar'
      ? { type: 'bar' }
      : mode.includes('lines') ? { type: 'line', point: mode.includes('markers') } : { type: 'point', filled: true };
    layers.push({ data: { values }, mark, encoding: { color: { datum: name, type: 'nominal', title: null } } });
  }
  const xaxis = (layout.xaxis ?? {}) as Record<string, unknown>;
  const yaxis = (layout.yaxis ?? {}) as Record<string, unknown>;
  const range = numbers(yaxis.range);
  const spec: VegaLiteSpec = {
    $schema: VEGA_LITE_SCHEMA,
    encoding: {
      x: { field: 'x', type: xIsNumeric ? 'quantitative' : 'ordinal', title: titleText(xaxis.title) ?? null },
      y: { field: 'y', type: 'quantitative', title: titleText(yaxis.title) ?? null, ...(range && range.length === 2 ? { scale: { domain: range } } : {}) },
    },
    layer: layers,
    width: typeof layout.width === 'number' ? Math.max(layout.width - 150, 200) : 500,
    height: typeof layout.height === 'number' ? Math.max(layout.height - 100, 150) : 260,
    config: { legend: { labelLimit: 0 } },
  };
  const title = titleText(layout.title);
  if (title) spec.title = title;
  return spec;
}
