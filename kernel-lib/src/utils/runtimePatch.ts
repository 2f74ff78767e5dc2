/**
 * Loads a dependency's CommonJS files with a unified diff applied in memory, so that a fix to a
 * dependency travels with this package: npm never runs a dependency's `patch-package` step for the
 * folder it is installed into, and the files in that folder are the user's, not ours to rewrite.
 *
 * A patch is a plain `git diff` against the package's own folder (`a/dist/file.js`), kept in
 * `patches/` and reviewed as a diff. Each hunk must match the installed file exactly (context and
 * removed lines, anywhere in the file: nearest to its line number wins), or nothing is loaded and
 * the error names the file and the hunk: a fix is never half applied.
 */
import * as fs from 'fs';
import * as path from 'path';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const NodeModule = require('module') as NodeModuleInternals;

interface NodeModuleInternals {
  new (id: string, parent?: NodeModule): LoadableModule;
  _nodeModulePaths(dir: string): string[];
}

interface LoadableModule extends NodeModule {
  _compile(source: string, filename: string): void;
  [PATCHED]?: string;
}

/** Marks a module object we compiled from a patched source (the value: the patch's name). */
const PATCHED = Symbol.for('avalanche-ts.runtimePatch');

/** One hunk of a unified diff: the lines it expects and the lines it puts in their place. */
export interface Hunk {
  /** 1-based line of the old file where the hunk starts, as the diff says. */
  oldStart: number;
  oldLines: string[];
  newLines: string[];
}

/** The changes a diff makes to one file, by its path inside the package. */
export interface FilePatch {
  file: string;
  hunks: Hunk[];
}

/** Parses a `git diff` / unified diff into its files and hunks. `name` is used in errors. */
export function parsePatch(text: string, name: string): FilePatch[] {
  const files: FilePatch[] = [];
  const lines = text.split('\n');
  let current: FilePatch | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith('+++ ')) {
      const target = line.slice(4).trim().replace(/^b\//, '');
      current = { file: target, hunks: [] };
      files.push(current);
      continue;
    }
    const header = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (!header) continue;
    if (!current) throw new Error(`${name}: a hunk at line ${i + 1} before any '+++' file header`);
    let oldCount = header[2] === undefined ? 1 : Number(header[2]);
    let newCount = header[4] === undefined ? 1 : Number(header[4]);
    const hunk: Hunk = { oldStart: Number(header[1]), oldLines: [], newLines: [] };
    while (oldCount > 0 || newCount > 0) {
      i++;
      if (i >= lines.length) throw new Error(`${name}: the hunk of ${current.file} at old line ${hunk.oldStart} ends early`);
      const body = lines[i];
      if (body.startsWith('\\')) continue; // "\ No newline at end of file"
      const kind = body[0] ?? ' ';
      const content = body.slice(1);
      if (kind === ' ') {
        hunk.oldLines.push(content);
        hunk.newLines.push(content);
        oldCount--;
        newCount--;
      } else if (kind === '-') {
        hunk.oldLines.push(content);
        oldCount--;
      } else if (kind === '+') {
        hunk.newLines.push(content);
        newCount--;
      } else {
        throw new Error(`${name}: unexpected line ${i + 1} in the hunk of ${current.file} at old line ${hunk.oldStart}: ${JSON.stringify(body.slice(0, 60))}`);
      }
    }
    current.hunks.push(hunk);
  }
  if (files.length === 0) throw new Error(`${name}: no file in the patch`);
  return files;
}

/** Where `block` occurs in `lines` at or after `from`, nearest to `expected`; -1 when nowhere. */
function findBlock(lines: string[], block: string[], from: number, expected: number): number {
  let best = -1;
  for (let start = from; start + block.length <= lines.length; start++) {
    let same = true;
    for (let j = 0; j < block.length && same; j++) same = lines[start + j] === block[j];
    if (same && (best < 0 || Math.abs(start - expected) < Math.abs(best - expected))) best = start;
  }
  return best;
}

/**
 * Applies one file's hunks to its source. Throws, naming the file and the first hunk that does not
 * match exactly, when the source is not the version the patch was made for.
 */
export function applyFilePatch(source: string, patch: FilePatch, name: string): string {
  const lines = source.split('\n');
  let offset = 0;
  let from = 0;
  patch.hunks.forEach((hunk, index) => {
    const at = findBlock(lines, hunk.oldLines, from, hunk.oldStart - 1 + offset);
    if (at < 0) {
      const first = hunk.oldLines.find((l) => l.trim() !== '') ?? '';
      throw new Error(`${name}: hunk ${index + 1} of ${patch.hunks.length} for ${patch.file} (old line ${hunk.oldStart}, starting ${JSON.stringify(first.trim().slice(0, 70))}) does not match the installed file`);
    }
    lines.splice(at, hunk.oldLines.length, ...hunk.newLines);
    offset = at + hunk.newLines.length - (hunk.oldStart - 1 + hunk.oldLines.length);
    from = at + hunk.newLines.length;
  });
  return lines.join('\n');
}

/** The patches shipped in this package's `patches/` folder. */
export const PATCH_DIR = path.join(__dirname, '..', '..', 'patches');

/** The patched sources of the files a patch changes, by absolute path; throws when any hunk does not match. */
export function patchedSources(packageDir: string, patchName: string): Map<string, string> {
  const text = fs.readFileSync(path.join(PATCH_DIR, patchName), 'utf8');
  const sources = new Map<string, string>();
  for (const file of parsePatch(text, patchName)) {
    const filename = path.join(packageDir, file.file);
    sources.set(filename, applyFilePatch(fs.readFileSync(filename, 'utf8'), file, `${patchName} (${packageDir})`));
  }
  return sources;
}

/** Which patch a loaded module was compiled with, or null (not loaded, or loaded as installed). */
export function loadedPatch(filename: string): string | null | undefined {
  const loaded = require.cache[filename] as LoadableModule | undefined;
  if (!loaded) return undefined;
  return loaded[PATCHED] ?? null;
}

/**
 * Loads the files `patchName` changes in the package at `packageDir`, patched, into Node's module
 * cache under their own file names (in the patch's order), so that every later `require` of them,
 * from the package itself or anyone else, gets the patched module. Returns the exports by file.
 * Throws, loading nothing, when a hunk does not match, or when one of the files was already loaded
 * as installed (its unpatched code is running and cannot be replaced).
 */
export function requirePatched(packageDir: string, patchName: string): Map<string, unknown> {
  const sources = patchedSources(packageDir, patchName);
  for (const filename of sources.keys()) {
    if (loadedPatch(filename) === null) throw new Error(`${path.relative(packageDir, filename)} of ${packageDir} was loaded before ${patchName} could be applied`);
  }
  const exports = new Map<string, unknown>();
  for (const [filename, source] of sources) {
    const cached = require.cache[filename] as LoadableModule | undefined;
    if (cached) {
      exports.set(filename, cached.exports);
      continue;
    }
    const m = new NodeModule(filename, module);
    m.filename = filename;
    m.paths = NodeModule._nodeModulePaths(path.dirname(filename));
    m[PATCHED] = patchName;
    require.cache[filename] = m;
    try {
      m._compile(source, filename);
    } catch (error) {
      delete require.cache[filename];
      throw error;
    }
    m.loaded = true;
    exports.set(filename, m.exports);
  }
  return exports;
}
