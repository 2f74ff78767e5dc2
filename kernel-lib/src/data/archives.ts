/**
 * Unpacking the archives data sets come in: `.tar.gz` (CIFAR) and `.zip` (Tiny ImageNet, CORe50,
 * Omniglot). Each file is written under a temporary name and renamed when whole, and entries whose
 * path would leave the destination folder are refused.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import * as yauzl from 'yauzl';

/** The destination of entry `name` inside `dest`; an error for an absolute path or one that leaves `dest`. */
function safeTarget(dest: string, name: string, archive: string): string {
  const target = path.resolve(dest, name);
  const root = path.resolve(dest);
  if (path.isAbsolute(name) || (target !== root && !target.startsWith(root + path.sep))) {
    throw new Error(`${archive}: entry '${name}' would be written outside '${dest}'; the archive is refused`);
  }
  return target;
}

function writeWhole(target: string, data: Uint8Array): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const part = `${target}.part`;
  fs.writeFileSync(part, data);
  fs.renameSync(part, target);
}

function tarString(block: Buffer, start: number, length: number): string {
  const end = block.indexOf(0, start);
  return block.toString('utf8', start, end < 0 || end > start + length ? start + length : end);
}

/** Extracts a (gzipped) tar archive into `dest`: regular files and folders, GNU long names and pax paths. */
export function extractTar(archive: string, dest: string): string[] {
  let data = fs.readFileSync(archive);
  if (data[0] === 0x1f && data[1] === 0x8b) data = zlib.gunzipSync(data);
  const written: string[] = [];
  let pos = 0;
  let longName: string | null = null;
  while (pos + 512 <= data.length) {
    const header = data.subarray(pos, pos + 512);
    if (header.every((b) => b === 0)) break;
    const size = parseInt(tarString(header, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156] || 48);
    const prefix = header.toString('utf8', 257, 262) === 'ustar' ? tarString(header, 345, 155) : '';
    let name = longName ?? (prefix ? `${prefix}/${tarString(header, 0, 100)}` : tarString(header, 0, 100));
    longName = null;
    const body = data.subarray(pos + 512, pos + 512 + size);
    if (body.length < size) throw new Error(`${archive}: the archive ends inside '${name}' (truncated download?)`);
    pos += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = body.toString('utf8').replace(/\0.*$/s, '');
      continue;
    }
    if (type === 'x') {
      const m = /\d+ path=([^\n]*)\n/.exec(body.toString('utf8'));
      if (m) longName = m[1];
      continue;
    }
    if (type === 'g') continue;
    name = name.replace(/^\.\//, '');
    if (type === '5') {
      fs.mkdirSync(safeTarget(dest, name, archive), { recursive: true });
    } else if (type === '0' || type === '7') {
      const target = safeTarget(dest, name, archive);
      writeWhole(target, body);
      written.push(target);
    }
    // Links and devices are not data; they are skipped.
  }
  return written;
}

/** Extracts a zip archive into `dest` (zip64 included, through yauzl). */
export function extractZip(archive: string, dest: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(archive, { lazyEntries: true }, (openError, zip) => {
      if (openError || !zip) {
        reject(new Error(`${archive}: not a readable zip archive (${openError?.message ?? 'unknown error'})`));
        return;
      }
      const written: string[] = [];
      const fail = (error: Error) => {
        zip.close();
        reject(error);
      };
      zip.on('error', (e: Error) => fail(new Error(`${archive}: ${e.message}`)));
      zip.on('end', () => resolve(written));
      zip.on('entry', (entry: yauzl.Entry) => {
        let target: string;
        try {
          target = safeTarget(dest, entry.fileName, archive);
        } catch (error) {
          fail(error as Error);
          return;
        }
        if (entry.fileName.endsWith('/')) {
          fs.mkdirSync(target, { recursive: true });
          zip.readEntry();
          return;
        }
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) {
            fail(new Error(`${archive}: ${entry.fileName}: ${streamError?.message}`));
            return;
          }
          fs.mkdirSync(path.dirname(target), { recursive: true });
          const part = `${target}.part`;
          const out = fs.createWriteStream(part);
          stream.on('error', (e) => fail(new Error(`${archive}: ${entry.fileName}: ${e.message}`)));
          out.on('error', (e) => fail(e));
          out.on('finish', () => {
            fs.renameSync(part, target);
            written.push(target);
            zip.readEntry();
          });
          stream.pipe(out);
        });
      });
      zip.readEntry();
    });
  });
}

/** Extracts a `.zip`, `.tar` or `.tar.gz` / `.tgz` archive into `dest`. */
export async function extractArchive(archive: string, dest: string): Promise<string[]> {
  if (/\.zip$/i.test(archive)) return extractZip(archive, dest);
  if (/\.(tar|tar\.gz|tgz)$/i.test(archive)) return extractTar(archive, dest);
  throw new Error(`extractArchive: '${archive}' is not a .zip, .tar, .tar.gz or .tgz file`);
}

