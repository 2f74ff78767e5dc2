/**
 * Downloading a data set's files as torchvision and Avalanche do, more carefully: each file streams
 * into `<name>.part`, a partial file left by an interrupted download is resumed with an HTTP range
 * request (or restarted when the server ignores the range), the MD5 the data set's authors
 * published is checked, and only then is the file renamed to its name, so a file under its real
 * name is always whole.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** A file of a data set: its name in the folder, where to get it, its MD5. */
export interface RemoteFile {
  /** File name in the data set's folder. */
  name: string;
  /** URLs tried in order. */
  urls: string[];
  /** MD5 (hex) of the whole file; checked when given. */
  md5?: string;
}

/** A file whose download failed at every URL: each URL and why. */
export class DownloadError extends Error {
  constructor(readonly dataset: string, readonly file: string, readonly attempts: { url: string; reason: string }[]) {
    super(`${dataset}: download of ${file} failed (${attempts.map((a) => `${a.url}: ${a.reason}`).join('; ')})`);
    this.name = 'DownloadError';
  }

  /** The reasons without the URLs, for a one-line notice ("ENOTFOUND at 2 mirrors"). */
  get summary(): string {
    const reasons = [...new Set(this.attempts.map((a) => a.reason))];
    return `${reasons.join(', ')} at ${this.attempts.length} mirror${this.attempts.length === 1 ? '' : 's'}`;
  }
}

/** The MD5 (hex) of a file, read in chunks. */
export function fileMd5(file: string): string {
  const hash = crypto.createHash('md5');
  const fd = fs.openSync(file, 'r');
  try {
    const chunk = Buffer.allocUnsafe(1 << 20);
    let n: number;
    while ((n = fs.readSync(fd, chunk, 0, chunk.length, null)) > 0) hash.update(chunk.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/** Why a request failed, as short as it can be said: fetch's own message is "fetch failed", the cause holds ENOTFOUND etc. */
function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

/**
 * Fetches `url` into `part`, appending to what it holds when the server honours a range request.
 * `idleMs` bounds the wait for each chunk (not the whole file, which may take minutes).
 */
async function fetchInto(url: string, part: string, idleMs: number): Promise<void> {
  const have = fs.existsSync(part) ? fs.statSync(part).size : 0;
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(new Error(`no data for ${idleMs} ms`)), idleMs);
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new Error(`no data for ${idleMs} ms`)), idleMs);
  };
  try {
    const response = await fetch(url, { signal: controller.signal, headers: have > 0 ? { range: `bytes=${have}-` } : {} });
    if (response.status === 416 && have > 0) {
      // The partial file is as long as the file or longer: start again.
      fs.rmSync(part);
      return fetchInto(url, part, idleMs);
    }
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const append = have > 0 && response.status === 206;
    const fd = fs.openSync(part, append ? 'a' : 'w');
    try {
      const reader = response.body!.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        touch();
        fs.writeSync(fd, value);
      }
    } finally {
      fs.closeSync(fd);
    }
  } finally {
    clearTimeout(timer);
  }
}

/** Options of `downloadFile`. */
export interface DownloadOptions {
  /** Data set name, for messages. */
  dataset: string;
  /** Longest wait for the next chunk of a response, ms (default 30,000). */
  idleTimeoutMs?: number;
}

/**
 * Makes sure `folder/<file.name>` exists and is whole: an existing file with the right MD5 is kept;
 * else the file is downloaded (resuming a `.part` file), checked and renamed into place. A wrong
 * MD5 deletes the partial file and tries the next URL. Throws a `DownloadError` naming each URL and
 * why it failed.
 */
export async function downloadFile(file: RemoteFile, folder: string, options: DownloadOptions): Promise<string> {
  const target = path.join(folder, file.name);
  if (fs.existsSync(target) && (!file.md5 || fileMd5(target) === file.md5)) return target;
  fs.mkdirSync(folder, { recursive: true });
  const part = `${target}.part`;
  const attempts: { url: string; reason: string }[] = [];
  for (const url of file.urls) {
    try {
      await fetchInto(url, part, options.idleTimeoutMs ?? 30_000);
      if (file.md5) {
        const md5 = fileMd5(part);
        if (md5 !== file.md5) {
          fs.rmSync(part);
          throw new Error(`MD5 ${md5}, expected ${file.md5}`);
        }
      }
      fs.renameSync(part, target);
      return target;
    } catch (error) {
      attempts.push({ url, reason: reasonOf(error) });
    }
  }
  throw new DownloadError(options.dataset, file.name, attempts);
}
