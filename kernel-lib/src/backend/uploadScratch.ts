/**
 * Host arrays that are filled and then made into a tensor at once: a batch's inputs, a dropout mask.
 * A fresh large Float32Array gets its memory from the operating system, and the first write to each
 * 4 KiB page then costs a page fault: on a virtual machine that is several milliseconds for one
 * batch of 500 MNIST images, as much as the batch's matrix products. Where making a tensor copies
 * the array at once (`backendCapabilities().copiesHostArrays`: wasm), one array is kept and refilled
 * instead; elsewhere each call returns a fresh array, which the tensor may keep.
 */
import { backendCapabilities } from './backends';

let scratch = new Float32Array(0);

/**
 * A Float32Array of `size` elements to fill and then pass straight to `tf.tensor` (its contents are
 * unspecified). Valid until the next call: make the tensor before asking for another array.
 */
export function uploadScratch(size: number): Float32Array {
  if (!Number.isInteger(size) || size < 0) throw new Error(`uploadScratch: size must be a non-negative integer, got ${size}`);
  if (!backendCapabilities().copiesHostArrays) return new Float32Array(size);
  if (scratch.length < size) scratch = new Float32Array(Math.max(size, Math.ceil(scratch.length * 1.5)));
  return scratch.subarray(0, size);
}
