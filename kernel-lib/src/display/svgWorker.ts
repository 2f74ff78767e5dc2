/**
 * A worker thread that renders Vega-Lite specs to MIME bundles, so that a live chart is drawn on
 * another core while training goes on. Messages: `{ id, spec }` in, `{ id, bundle }` or
 * `{ id, error }` out.
 */
import { parentPort } from 'worker_threads';
import { vegaLiteBundle, VegaLiteSpec } from './vegaLite';

if (parentPort) {
  const port = parentPort;
  port.on('message', (msg: { id: number; spec: VegaLiteSpec }) => {
    vegaLiteBundle(msg.spec).then(
      (bundle) => port.postMessage({ id: msg.id, bundle }),
      (error: Error) => port.postMessage({ id: msg.id, error: error.message }),
    );
  });
}
