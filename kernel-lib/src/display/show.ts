/**
 * `show(x)`: one `display_data` message with the full MIME bundle of a chart, figure or view; and
 * `newDisplay()` for an output that is updated in place (`update_display_data`).
 */
import * as crypto from 'crypto';
import { HtmlView } from './htmlView';
import { MimeBundle, publishDisplayData } from './jupyter';
import { PlotlyFigure, plotlyBundle } from './plotly';
import { VegaLiteSpec, isVegaLiteSpec, vegaLiteBundle } from './vegaLite';

/** What `show` accepts: a Vega-Lite spec, a Plotly figure or an HTML view. */
export type Displayable = VegaLiteSpec | PlotlyFigure | HtmlView;

/** The MIME bundle of anything `show` accepts. */
export async function toMimeBundle(x: Displayable): Promise<MimeBundle> {
  if (x instanceof PlotlyFigure) return plotlyBundle(x);
  if (x instanceof HtmlView) return x.toMimeBundle();
  if (isVegaLiteSpec(x)) return vegaLiteBundle(x);
  throw new Error('show: expected a Vega-Lite spec (an object with mark, layer, concat, ...), a PlotlyFigure or an HtmlView');
}

/** Displays `x` in the notebook (outside a kernel, prints its text form). */
export async function show(x: Displayable): Promise<void> {
  publishDisplayData(await toMimeBundle(x));
}

/** An output that can be replaced in place. */
export class LiveDisplay {
  readonly id = crypto.randomBytes(8).toString('hex');
  private shown = false;

  /** Shows `x` (the first time) or replaces what this display shows. */
  async update(x: Displayable): Promise<void> {
    this.updateBundle(await toMimeBundle(x));
  }

  /** Shows or replaces with a ready bundle. */
  updateBundle(bundle: MimeBundle): void {
    publishDisplayData(bundle, { displayId: this.id, update: this.shown });
    this.shown = true;
  }
}

/** A new display that updates in place. */
export function newDisplay(): LiveDisplay {
  return new LiveDisplay();
}
