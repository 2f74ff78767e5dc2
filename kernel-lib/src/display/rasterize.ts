/**
 * SVG to PNG in Node, with no browser: resvg (its binary ships inside the npm package) and the DejaVu
 * fonts of the `dejavu-fonts-ttf` package, so that a chart's text is drawn the same on every machine,
 * with or without system fonts. The PNG is what front-ends that refuse untrusted SVG show (the
 * classic notebook) and what static viewers prefer.
 */
import * as path from 'path';
import type * as resvg from '@resvg/resvg-js';

let fontFiles: string[] | null = null;

function bundledFonts(): string[] {
  if (fontFiles) return fontFiles;
  const dir = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
  fontFiles = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSans-Oblique.ttf'].map((f) => path.join(dir, f));
  return fontFiles;
}

/** Options of `svgToPng`. */
export interface SvgToPngOptions {
  /** Pixels per SVG unit (default 1: the chart's own size). */
  scale?: number;
  /** Background colour (default white: charts have none, and a transparent PNG is unreadable on dark themes). */
  background?: string;
}

/** Renders an SVG document to PNG bytes. Text in any sans-serif family is drawn with DejaVu Sans. */
export function svgToPng(svg: string, options: SvgToPngOptions = {}): Uint8Array {
  const scale = options.scale ?? 1;
  if (!(typeof scale === 'number' && scale > 0 && scale <= 8)) throw new Error(`svgToPng: scale must be a number in (0, 8], got ${scale}`);
  // Loaded on first use: only a process that rasterises pays for the native module.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { Resvg } = require('@resvg/resvg-js') as typeof resvg;
  const renderer = new Resvg(svg, {
    font: { loadSystemFonts: false, fontFiles: bundledFonts(), defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
    fitTo: scale === 1 ? { mode: 'original' } : { mode: 'zoom', value: scale },
    background: options.background ?? 'white',
  });
  return new Uint8Array(renderer.render().asPng());
}
