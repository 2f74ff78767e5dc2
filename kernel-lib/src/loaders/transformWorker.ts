/**
 * The worker thread of `prefetch.ts`: runs the data sets' transforms of one batch into shared
 * memory, exactly as `ClassificationDataset.gatherInputs` would on the main thread.
 */
import { parentPort } from 'worker_threads';
import { normalizationTable } from '../data/dataset';
import { Transform, TransformSpec, transformBatch, transformFromSpec } from '../data/transforms';
import { Random } from '../utils/random';
import type { WorkerRequest } from './prefetch';

const built = new Map<string, Transform>();

function transformOf(spec: TransformSpec): Transform {
  const key = JSON.stringify(spec);
  let t = built.get(key);
  if (!t) {
    t = transformFromSpec(spec);
    built.set(key, t);
  }
  return t;
}

parentPort!.on('message', (request: WorkerRequest) => {
  try {
    const random = new Random(request.seed);
    let offset = 0;
    for (const part of request.parts) {
      const size = part.bytes.length / Math.max(part.count, 1);
      const all = Int32Array.from({ length: part.count }, (_, i) => i);
      if (part.spec) {
        const t = transformOf(part.spec);
        const out = request.output.subarray(offset);
        transformBatch(t, part.bytes, part.sampleShape, all, 0, part.count, out, random);
        const shape = t.outputShape(part.sampleShape.length === 2 ? [part.sampleShape[0], part.sampleShape[1], 1] : (part.sampleShape as [number, number, number]));
        offset += part.count * shape[0] * shape[1] * shape[2];
      } else {
        const lut = normalizationTable(part.normalization);
        for (let j = 0; j < part.bytes.length; j++) request.output[offset + j] = lut[part.bytes[j]];
        offset += part.count * size;
      }
    }
    Atomics.store(request.flag, 0, 1);
  } catch {
    // The main thread redoes the batch, and so throws the error itself.
    Atomics.store(request.flag, 0, 2);
  }
  Atomics.notify(request.flag, 0);
});
