/**
 * Vega-Lite charts: specs (plain JSON objects the user can tweak), rendered to SVG in Node with
 * vega 5 (no browser), and their MIME bundle, chosen from how the front-ends pick:
 * `application/vnd.vegalite.v5+json` (JupyterLab draws it interactively, trusted or not: its Vega
 * renderer outranks the image renderers and is safe), `image/png` (the classic notebook drops
 * untrusted SVG and shows PNG; static viewers), `image/svg+xml` (the classic notebook when trusted,
 * GitHub) and `text/plain`. No `text/html`: JupyterLab's HTML renderer would outrank the chart.
 */
import type * as VegaModule from 'vega';
import type * as VegaLiteModule from 'vega-lite';
import type { MimeBundle } from './jupyter';
import { svgToPng } from './rasterize';

/** The Vega-Lite v5 schema URL. */
export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

/** A Vega-Lite specification (a plain object; see the Vega-Lite documentation). */
export type VegaLiteSpec = Record<string, unknown> & { $schema?: string; title?: unknown; description?: string };

/** True for an object that looks like a Vega-Lite spec. */
export function isVegaLiteSpec(x: unknown): x is VegaLiteSpec {
  if (x == null || typeof x !== 'object' || Array.isArray(x)) return false;
  const o = x as Record<string, unknown>;
  if (typeof o.$schema === 'string') return o.$schema.includes('vega-lite');
  return ['mark', 'layer', 'hconcat', 'vconcat', 'concat', 'facet', 'repeat'].some((k) => k in o);
}

// vega and vega-lite load when the first chart is drawn: a quarter of a second off every notebook's first cell.
let vegaModules: { vega: typeof VegaModule; vl: typeof VegaLiteModule } | null = null;
function loadVega(): { vega: typeof VegaModule; vl: typeof VegaLiteModule } {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  vegaModules ??= { vega: require('vega'), vl: require('vega-lite') };
  return vegaModules;
}

/** Renders a Vega-Lite spec to an SVG document. */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const { vega, vl } = loadVega();
  let compiled: VegaModule.Spec;
  try {
    compiled = vl.compile(spec as unknown as VegaLiteModule.TopLevelSpec).spec;
  } catch (error) {
    throw new Error(`invalid Vega-Lite spec: ${(error as Error).message}`);
  }
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** A one-line description of a chart, for `text/plain`. */
export function describeChart(spec: VegaLiteSpec): string {
  const title = typeof spec.title === 'string' ? spec.title : (spec.title as { text?: string } | undefined)?.text;
  return `<Vega-Lite chart${title ? `: ${title}` : ''}${spec.description ? ` (${spec.description})` : ''}>`;
}

/** The MIME bundle of a chart (renders its SVG, and the SVG to PNG). */
export async function vegaLiteBundle(spec: VegaLiteSpec): Promise<MimeBundle> {
  const full = { $schema: VEGA_LITE_SCHEMA, ...spec };
  const svg = await renderSvg(full);
  return {
    'application/vnd.vegalite.v5+json': full,
    'image/png': Buffer.from(svgToPng(svg)).toString('base64'),
    'image/svg+xml': svg,
    'text/plain': describeChart(full),
  };
}
