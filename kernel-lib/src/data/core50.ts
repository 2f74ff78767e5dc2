/**
 * CORe50 as Avalanche reads it: the images (`core50_128x128/` or, with `mini`, `core50_32x32/`,
 * `s<session>/o<object>/*.png`) and the file lists of each scenario and run
 * (`batches_filelists/{NI,NC,NIC}_inc/run<r>/`, `NIC_v2_{79,196,391}/run<r>/`: one
 * `train_batch_XX_filelist.txt` per experience and a `test_filelist.txt`, lines `path label`).
 * Category-level labels come from the `_cat` lists when present, else are derived as Avalanche
 * writes them: `labels2names.pkl` for `nc` (whose object labels are renumbered per run), label / 5
 * otherwise.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ArchiveDatasetSpec, ArchiveLoadOptions, loadArchiveDataset } from './archiveDataset';
import { ImageChannels, readImages } from './imageFiles';
import { pyString, unpickle } from './pickle';
import { notice } from '../utils/notice';

/** CORe50's scenarios (Avalanche's names). */
export const CORE50_SCENARIOS = ['ni', 'nc', 'nic', 'nicv2_79', 'nicv2_196', 'nicv2_391'] as const;
/** One of `CORE50_SCENARIOS`. */
export type CORe50Scenario = (typeof CORE50_SCENARIOS)[number];

/** Experiences (training batches) of each scenario. */
export const CORE50_N_BATCHES: Record<CORe50Scenario, number> = { ni: 8, nc: 9, nic: 79, nicv2_79: 79, nicv2_196: 196, nicv2_391: 391 };

const SCENARIO_DIRS: Record<CORe50Scenario, string> = {
  ni: 'batches_filelists/NI_inc',
  nc: 'batches_filelists/NC_inc',
  nic: 'batches_filelists/NIC_inc',
  nicv2_79: 'NIC_v2_79',
  nicv2_196: 'NIC_v2_196',
  nicv2_391: 'NIC_v2_391',
};

/** CORe50's ten categories, in Avalanche's `name2cat` order. */
export const CORE50_CATEGORIES = ['plug_adapter', 'mobile_phone', 'scissor', 'light_bulb', 'can', 'glass', 'ball', 'marker', 'cup', 'remote_control'];

/** Which lists to read. */
export interface CORe50Selection {
  scenario: CORe50Scenario;
  run: number;
  objectLvl: boolean;
  mini: boolean;
}

/** A scenario's lists with their images read: one split per training batch, and the test split. */
export interface CORe50Data {
  train: Array<{ images: Uint8Array; labels: Int32Array }>;
  test: { images: Uint8Array; labels: Int32Array };
  sampleShape: number[];
  folder: string;
}

type ListEntry = { file: string; label: number };

function readList(file: string): ListEntry[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((line, i) => {
      const [rel, label] = line.trim().split(/\s+/);
      const n = Number(label);
      if (!rel || !Number.isInteger(n) || n < 0) throw new Error(`${file}: line ${i + 1} is not 'path label': ${JSON.stringify(line)}`);
      return { file: rel, label: n };
    });
}

/** The category of object label `label` in the lists of `scenario`/`run` (Avalanche's `_objlab2cat`). */
function categoryOf(folder: string, sel: CORe50Selection): (label: number) => number {
  if (sel.scenario !== 'nc') return (label) => Math.floor(label / 5);
  const file = path.join(folder, 'labels2names.pkl');
  if (!fs.existsSync(file)) throw new Error(`CORe50: category labels of the 'nc' scenario need '${file}' (or the lists in ${SCENARIO_DIRS.nc}_cat/)`);
  const all = unpickle(fs.readFileSync(file), file) as Record<string, unknown>;
  const runs = all.nc as Array<Map<unknown, unknown> | Record<string, unknown>>;
  const names = runs?.[sel.run];
  if (!names) throw new Error(`${file}: no names for run ${sel.run} of 'nc'`);
  return (label) => {
    const raw = names instanceof Map ? names.get(label) : (names as Record<string, unknown>)[String(label)];
    if (raw === undefined) throw new Error(`${file}: no name for object label ${label} of run ${sel.run}`);
    const name = pyString(raw as string, `${file} nc[${sel.run}][${label}]`).trim().slice(0, -1);
    const cat = CORE50_CATEGORIES.indexOf(name);
    if (cat < 0) throw new Error(`${file}: object name '${name}' is not one of CORe50's categories (${CORE50_CATEGORIES.join(', ')})`);
    return cat;
  };
}

/** The list folder of a selection. */
function listFolder(folder: string, sel: CORe50Selection, cat: boolean): string {
  return path.join(folder, `${SCENARIO_DIRS[sel.scenario]}${cat ? '_cat' : ''}`, `run${sel.run}`);
}

/** Reads a scenario's lists and images from `folder`; null when the images or the lists are not there. */
export function readCORe50(folder: string, sel: CORe50Selection): CORe50Data | null {
  const imageDir = path.join(folder, sel.mini ? 'core50_32x32' : 'core50_128x128');
  const lists = listFolder(folder, sel, false);
  if (!fs.existsSync(imageDir) || !fs.existsSync(lists)) return null;
  const catLists = listFolder(folder, sel, true);
  const useCatLists = !sel.objectLvl && fs.existsSync(catLists);
  const dir = useCatLists ? catLists : lists;
  const toCategory = !sel.objectLvl && !useCatLists ? categoryOf(folder, sel) : (label: number) => label;
  const size = sel.mini ? 32 : 128;
  const channels: ImageChannels = 3;
  const nBatches = CORE50_N_BATCHES[sel.scenario];
  const trainLists = Array.from({ length: nBatches }, (_, b) => {
    const file = path.join(dir, `train_batch_${String(b).padStart(2, '0')}_filelist.txt`);
    if (!fs.existsSync(file)) throw new Error(`CORe50: '${file}' is missing (scenario '${sel.scenario}' has ${nBatches} training batches)`);
    return readList(file);
  });
  const testFile = path.join(dir, 'test_filelist.txt');
  if (!fs.existsSync(testFile)) throw new Error(`CORe50: '${testFile}' is missing`);
  const testList = readList(testFile);
  const total = trainLists.reduce((a, l) => a + l.length, 0) + testList.length;
  if (total > 20000) notice(`avalanche-ts: decoding ${total} CORe50 images (${size}x${size}) from '${imageDir}'`);
  const read = (list: ListEntry[]) => ({
    images: readImages(list.map((e) => path.join(imageDir, e.file)), size, size, channels),
    labels: Int32Array.from(list, (e) => toCategory(e.label)),
  });
  return { train: trainLists.map(read), test: read(testList), sampleShape: [size, size, channels], folder };
}

const CORE50_BASE = 'https://vlomonaco.github.io/core50/data';

/** The files of CORe50 as Avalanche downloads them (URLs and MD5s from Avalanche's `core50_data`). */
export function core50Spec(sel: CORe50Selection): ArchiveDatasetSpec<CORe50Data> {
  const images = sel.mini
    ? { name: 'core50_32x32.zip', urls: ['http://vps.continualai.org/data/core50_32x32.zip'], md5: 'd89d34cdc0281fa84074430e9a22b728' }
    : { name: 'core50_128x128.zip', urls: ['http://bias.csr.unibo.it/maltoni/download/core50/core50_128x128.zip'], md5: '745f3373fed08d69343f1058ee559e13' };
  return {
    name: 'CORe50',
    folderName: 'core50',
    needs: `${sel.mini ? 'core50_32x32/' : 'core50_128x128/'} and ${SCENARIO_DIRS[sel.scenario]}/run${sel.run}/ (train_batch_XX_filelist.txt, test_filelist.txt)${sel.scenario === 'nc' && !sel.objectLvl ? ' and labels2names.pkl' : ''}`,
    read: (folder) => readCORe50(folder, sel),
    archives: [
      images,
      { name: 'batches_filelists.zip', urls: [`${CORE50_BASE}/batches_filelists.zip`], md5: 'e3297508a8998ba0c99a83d6b36bde62' },
      { name: 'batches_filelists_NICv2.zip', urls: [`${CORE50_BASE}/batches_filelists_NICv2.zip`], md5: '460f980a6c85b86b1ec8e7c6067bb7a3' },
      { name: 'paths.pkl', urls: [`${CORE50_BASE}/paths.pkl`], md5: 'b568f86998849184df3ec3465290f1b0' },
      { name: 'LUP.pkl', urls: [`${CORE50_BASE}/LUP.pkl`], md5: '33afc26faa460aca98739137fdfa606e' },
      { name: 'labels.pkl', urls: [`${CORE50_BASE}/labels.pkl`], md5: '281c95774306a2196f4505f22fd60ab1' },
      { name: 'labels2names.pkl', urls: [`${CORE50_BASE}/labels2names.pkl`], md5: '557d0b9f0ec32765ccea65624aa51b3b' },
    ],
  };
}

/** Loads a CORe50 scenario's data (folder, archives in the folder, or download). */
export async function loadCORe50(sel: CORe50Selection, options: ArchiveLoadOptions = {}): Promise<CORe50Data> {
  return (await loadArchiveDataset(core50Spec(sel), options)).data;
}
