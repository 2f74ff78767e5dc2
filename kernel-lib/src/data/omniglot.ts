/**
 * Omniglot from torchvision's files: `images_background/` and `images_evaluation/`, each
 * `<alphabet>/<character>/<id>_<drawer>.png` (105x105, read as one grey channel), characters
 * numbered in torchvision's order (alphabets sorted, characters sorted within each).
 */
import * as fs from 'fs';
import * as path from 'path';
import { ArchiveDatasetSpec, ArchiveLoadOptions, loadArchiveDataset } from './archiveDataset';
import { readImages, sortedEntries } from './imageFiles';

/** One Omniglot set: every drawing with its character index, and the characters' names. */
export interface OmniglotSet {
  files: string[];
  /** Character index of each file (0-based in this set). */
  labels: Int32Array;
  /** 'alphabet/character' of each index. */
  characters: string[];
  /** The folder read. */
  folder: string;
}

/** Both sets, pixels not yet read. */
export interface OmniglotFiles {
  background: OmniglotSet;
  evaluation: OmniglotSet;
}

/** The folders that may hold `images_background/`: Avalanche's (`omniglot-py/omniglot-py`), torchvision's (`omniglot-py`), or the folder itself. */
function candidates(folder: string): string[] {
  return [path.join(folder, 'omniglot-py', 'omniglot-py'), path.join(folder, 'omniglot-py'), folder];
}

function listSet(dir: string): OmniglotSet {
  const files: string[] = [];
  const labels: number[] = [];
  const characters: string[] = [];
  for (const alphabet of sortedEntries(dir).filter((a) => fs.statSync(path.join(dir, a)).isDirectory())) {
    for (const character of sortedEntries(path.join(dir, alphabet)).filter((c) => fs.statSync(path.join(dir, alphabet, c)).isDirectory())) {
      const c = characters.length;
      characters.push(`${alphabet}/${character}`);
      for (const f of sortedEntries(path.join(dir, alphabet, character)).filter((f) => f.endsWith('.png'))) {
        files.push(path.join(dir, alphabet, character, f));
        labels.push(c);
      }
    }
  }
  return { files, labels: Int32Array.from(labels), characters, folder: dir };
}

/** Lists Omniglot's two sets under `folder`; null when they are not there. */
export function listOmniglot(folder: string): OmniglotFiles | null {
  const base = candidates(folder).find((d) => ['images_background', 'images_evaluation'].every((s) => fs.existsSync(path.join(d, s))));
  if (!base) return null;
  return { background: listSet(path.join(base, 'images_background')), evaluation: listSet(path.join(base, 'images_evaluation')) };
}

/** Reads the drawings of `set` at `indices` (105x105x1 bytes each). */
export function readOmniglotImages(set: OmniglotSet, indices: number[]): Uint8Array {
  return readImages(indices.map((i) => set.files[i]), 105, 105, 1);
}

const BASE_URL = 'https://raw.githubusercontent.com/brendenlake/omniglot/master/python';

/** Omniglot as torchvision downloads it (URLs and MD5s from torchvision's `Omniglot`). */
export const OMNIGLOT_SPEC: ArchiveDatasetSpec<OmniglotFiles> = {
  name: 'Omniglot',
  folderName: 'omniglot',
  needs: 'omniglot-py/images_background/ and omniglot-py/images_evaluation/ (<alphabet>/<character>/*.png)',
  read: listOmniglot,
  archives: [
    { name: 'images_background.zip', urls: [`${BASE_URL}/images_background.zip`], md5: '68d2efa1b9178cc56df9314c21c6e718' },
    { name: 'images_evaluation.zip', urls: [`${BASE_URL}/images_evaluation.zip`], md5: '6b91aef0f799c5bb55b94e3f2daec811' },
  ],
};

/** Lists Omniglot (folder, archives in the folder, or download). */
export async function loadOmniglot(options: ArchiveLoadOptions = {}): Promise<OmniglotFiles> {
  return (await loadArchiveDataset(OMNIGLOT_SPEC, options)).data;
}
