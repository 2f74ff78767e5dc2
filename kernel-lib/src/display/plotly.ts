/**
 * Plotly figures in a notebook. The bundle holds `application/vnd.plotly.v1+json` (drawn
 * interactively by JupyterLab's Plotly extension, VS Code and nteract) and a static picture,
 * `image/png` (the scatter and bar traces redrawn with Vega-Lite: `plotlyStatic.ts`), which every
 * other front-end shows: JupyterLab without the extension, trusted or not, the classic notebook,
 * GitHub. Nothing is ever an empty box: a figure with no static picture says in its text form how
 * to see it.
 *
 * plotly.js itself (4.8 MB) is not put in the notebook unless asked: `setPlotlyJs('inline')` adds a
 * `text/html` form that carries plotly.js once per kernel session and draws the figure where
 * scripts run (a trusted classic notebook, trusted JupyterLab without the extension); where they do
 * not, that HTML shows the static picture and a line saying to trust the notebook.
 */
import * as fs from 'fs';
import type { MimeBundle } from './jupyter';
import { plotlyTitle, plotlyToVegaLite } from './plotlyStatic';
import { renderSvg } from './vegaLite';
import { svgToPng } from './rasterize';

/** A Plotly figure: traces and a layout, as plotly.js takes them. */
export class PlotlyFigure {
  constructor(
    public data: Array<Record<string, unknown>>,
    public layout: Record<string, unknown> = {},
  ) {
    if (!Array.isArray(data)) throw new Error('PlotlyFigure: data must be an array of traces');
  }
}

/** How plotly.js reaches the page: not at all (default), or inline in the first figure of a session. */
export type PlotlyJsMode = 'none' | 'inline';

const PLOTLY_JS_MODES: readonly PlotlyJsMode[] = ['none', 'inline'];
let plotlyJsMode: PlotlyJsMode = 'none';
let plotlySent = false;
let figureCount = 0;

/**
 * Chooses how plotly.js reaches the page. `'none'` (default): figures carry their JSON and a static
 * picture, and the notebook stays small. `'inline'`: the next figure carries plotly.js (4.8 MB) and
 * every figure an HTML form that draws with it where scripts run.
 */
export function setPlotlyJs(mode: PlotlyJsMode): void {
  if (!PLOTLY_JS_MODES.includes(mode)) throw new Error(`setPlotlyJs: mode must be one of ${PLOTLY_JS_MODES.map((m) => `'${m}'`).join(', ')}, got ${JSON.stringify(mode)}`);
  if (mode !== plotlyJsMode) plotlySent = false;
  plotlyJsMode = mode;
}

/** The plotly.js source shipped in `plotly.js-dist-min`. */
export function plotlySource(): string {
  return fs.readFileSync(require.resolve('plotly.js-dist-min'), 'utf8');
}

/** Forget that plotly.js was sent (a new notebook session). */
export function resetPlotlyLoader(): void {
  plotlySent = false;
}

/** The figure's static picture as PNG (base64), or null when a trace cannot be redrawn. */
export async function plotlyStaticPng(figure: PlotlyFigure): Promise<string | null> {
  const spec = plotlyToVegaLite(figure.data, figure.layout);
  if (!spec) return null;
  return Buffer.from(svgToPng(await renderSvg(spec))).toString('base64');
}

/** The MIME bundle of a figure. */
export async function plotlyBundle(figure: PlotlyFigure): Promise<MimeBundle> {
  const title = plotlyTitle(figure.layout);
  const png = await plotlyStaticPng(figure);
  const label = `Plotly figure${title ? `: ${title}` : ''}, ${figure.data.length} trace${figure.data.length === 1 ? '' : 's'}`;
  const bundle: MimeBundle = {
    'application/vnd.plotly.v1+json': { data: figure.data, layout: figure.layout },
    'text/plain': png
      ? `<${label}>`
      : `<${label}: no static picture of these trace types; to see it, open the notebook where a Plotly renderer runs (JupyterLab with jupyterlab-plotly, VS Code), or call setPlotlyJs('inline') before showing it and trust the notebook>`,
  };
  if (png) bundle['image/png'] = png;
  if (plotlyJsMode === 'inline') {
    const id = `avalanche-ts-plotly-${process.pid}-${figureCount++}`;
    const json = JSON.stringify({ data: figure.data, layout: figure.layout }).replace(/</g, '\\u003c');
    const loader = plotlySent ? '' : `<script type="text/javascript">${plotlySource().replace(/<\/script/gi, '<\\/script')}</script>`;
    plotlySent = true;
    const picture = png ? `<img alt="${label.replace(/[<>"&]/g, '')}" src="data:image/png;base64,${png}"><br>` : '';
    bundle['text/html'] =
      `${loader}<div id="${id}">${picture}<em>${label.replace(/[<>&]/g, '')}: a static picture. Trust the notebook to draw the interactive figure.</em></div>` +
      `<script type="text/javascript">(function () { var f = ${json}; var el = document.getElementById("${id}");` +
      ` if (window.Plotly) { el.textContent = ""; window.Plotly.newPlot(el, f.data, f.layout); }` +
      ` else { el.lastChild.textContent = "plotly.js is not loaded: run the notebook's first Plotly cell again (with setPlotlyJs('inline'))"; } })();</script>`;
  }
  return bundle;
}
