/**
 * Tiny ImageNet as Avalanche's `TinyImagenet` reads it: `tiny-imagenet-200/` with `wnids.txt` (the
 * class order), `train/<wnid>/images/*.JPEG` and `val/images/*.JPEG` labelled by
 * `val/val_annotations.txt` (the validation set is the test set; the official test set has no
 * labels). Images are 64x64, read as RGB.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ArchiveDatasetSpec, ArchiveLoadOptions, loadArchiveDataset } from './archiveDataset';
import { RawDataset, RawSplit } from './idxDatasets';
import { readImages, sortedEntries } from './imageFiles';
import { notice } from '../utils/notice';

/** Reads Tiny ImageNet from `folder` (its `tiny-imagenet-200/`, or the folder itself); null when absent. */
export function readTinyImageNet(folder: string): RawDataset | null {
  const base = [path.join(folder, 'tiny-imagenet-200'), folder].find((d) => fs.existsSync(path.join(d, 'wnids.txt')) && fs.existsSync(path.join(d, 'val', 'val_annotations.txt')));
  if (!base) return null;
  const wnids = fs.readFileSync(path.join(base, 'wnids.txt'), 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);
  const id = new Map(wnids.map((w, i) => [w, i]));
  const words = new Map<string, string>();
  const wordsFile = path.join(base, 'words.txt');
  if (fs.existsSync(wordsFile)) {
    for (const line of fs.readFileSync(wordsFile, 'utf8').split('\n')) {
      const [w, name] = line.split('\t');
      if (w && name) words.set(w, name.trim());
    }
  }
  const trainFiles: string[] = [];
  const trainLabels: number[] = [];
  wnids.forEach((w, c) => {
    const dir = path.join(base, 'train', w, 'images');
    if (!fs.existsSync(dir)) throw new Error(`Tiny ImageNet: '${dir}' is missing (wnids.txt lists ${w})`);
    for (const f of sortedEntries(dir)) {
      trainFiles.push(path.join(dir, f));
      trainLabels.push(c);
    }
  });
  const testFiles: string[] = [];
  const testLabels: number[] = [];
  const annotations = path.join(base, 'val', 'val_annotations.txt');
  fs.readFileSync(annotations, 'utf8').split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const [file, w] = line.split('\t');
    const c = id.get(w);
    if (c === undefined) throw new Error(`${annotations}: line ${i + 1} names class '${w}', which wnids.txt does not list`);
    testFiles.push(path.join(base, 'val', 'images', file));
    testLabels.push(c);
  });
  // Avalanche lists the test images class by class; so do we.
  const order = testLabels.map((c, i) => [c, i]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, i]) => i);
  const total = trainFiles.length + testFiles.length;
  if (total > 20000) notice(`avalanche-ts: decoding ${total} Tiny ImageNet JPEGs from '${base}' (about a minute)`);
  const split = (files: string[], labels: number[]): RawSplit => ({ images: readImages(files, 64, 64, 3), labels: Int32Array.from(labels), sampleShape: [64, 64, 3] });
  return {
    name: 'Tiny ImageNet',
    train: split(trainFiles, trainLabels),
    test: split(order.map((i) => testFiles[i]), order.map((i) => testLabels[i])),
    source: 'folder',
    folder: base,
    classNames: wnids.map((w) => words.get(w)?.split(',')[0] ?? w),
  };
}

/** Tiny ImageNet as Avalanche downloads it (URL and MD5 from Avalanche's `TinyImagenet`). */
export const TINY_IMAGENET_SPEC: ArchiveDatasetSpec<RawDataset> = {
  name: 'Tiny ImageNet',
  folderName: 'tinyimagenet',
  needs: 'tiny-imagenet-200/ (wnids.txt, words.txt, train/<wnid>/images/*.JPEG, val/images/*.JPEG, val/val_annotations.txt)',
  read: readTinyImageNet,
  archives: [{ name: 'tiny-imagenet-200.zip', urls: ['http://cs231n.stanford.edu/tiny-imagenet-200.zip'], md5: '90528d7ca1a48142e341f4ef8d21d0de' }],
};

/** Loads Tiny ImageNet (folder, archive in the folder, or download). */
export async function loadTinyImageNet(options: ArchiveLoadOptions = {}): Promise<RawDataset> {
  const located = await loadArchiveDataset(TINY_IMAGENET_SPEC, options);
  return { ...located.data, source: located.source === 'download' ? 'download' : 'folder' };
}
