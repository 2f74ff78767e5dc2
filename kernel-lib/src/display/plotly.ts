/**
 * Plotly figures in a notebook: `application/vnd.plotly.v1+json` (JupyterLab with the Plotly
 * extension) plus a `text/html` fallback that draws with plotly.js from the installed package
 * `plotly.js-dist-min`: the library's source is put in the first figure of a kernel session
 * (offline, no CDN), and later figures reuse it.
 */
import * as fs from 'fs';
import type { MimeBundle } from './jupyter';

/** A Plotly figure: traces and a layout, as plotly.js takes them. */
export class PlotlyFigure {
  constructor(
    public data: Array<Record<string, unknown>>,
    public layout: Record<string, unknown> = {},
  ) {
    if (!Array.isArray(data)) throw new Error('PlotlyFigure: data must be an array of traces');
  }
}

let plotlySent = false;
let figureCount = 0;

/** The plotly.js source shipped in `plotly.js-dist-min`. */
export function plotlySource(): string {
  return fs.readFileSync(require.resolve('plotly.js-dist-min'), 'utf8');
}

/** Forget that plotly.js was sent (a new notebook session). */
export function resetPlotlyLoader(): void {
  plotlySent = false;
}

/** The MIME bundle of a figure. */
export function plotlyBundle(figure: PlotlyFigure): MimeBundle {
  const id = `avalanche-ts-plotly-${process.pid}-${figureCount++}`;
  const json = JSON.stringify({ data: figure.data, layout: figure.layout }).replace(/</g, '\\u003c');
  const loader = plotlySent ? '' : `<script type="text/javascript">${plotlySource().replace(/<\/script/gi, '<\\/script')}</script>`;
  plotlySent = true;
  const title = (figure.layout.title as { text?: string } | string | undefined) ?? '';
  return {
    'application/vnd.plotly.v1+json': { data: figure.data, layout: figure.layout },
    'text/html':
      `${loader}<div id="${id}"></div><script type="text/javascript">(function () {` +
      `var f = ${json}; if (window.Plotly) { window.Plotly.newPlot("${id}", f.data, f.layout); }` +
      ` else { document.getElementById("${id}").textContent = "plotly.js is not loaded: run the notebook's first Plotly cell again"; } })();</script>`,
    'text/plain': `<Plotly figure${typeof title === 'string' && title ? `: ${title}` : typeof title === 'object' && title.text ? `: ${title.text}` : ''}, ${figure.data.length} traces>`,
  };
}
