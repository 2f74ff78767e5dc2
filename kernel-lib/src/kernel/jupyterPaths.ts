/**
 * Jupyter's data folders, found as `jupyter --paths` finds them but without running Python: the
 * kernel commands must work on a machine whose `python3` is not Jupyter's (pyenv, conda) or that
 * has none on PATH.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The user's Jupyter data folder: `$JUPYTER_DATA_DIR`, else the platform's default (as jupyter_core's `jupyter_data_dir()`). */
export function userDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.JUPYTER_DATA_DIR) return path.resolve(env.JUPYTER_DATA_DIR);
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Jupyter');
  if (process.platform === 'win32') return path.join(env.APPDATA || os.homedir(), 'jupyter');
  return path.join(env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share'), 'jupyter');
}

/** The system-wide data folders Jupyter always searches last. */
export function systemDataDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  if (process.platform === 'win32') return env.PROGRAMDATA ? [path.join(env.PROGRAMDATA, 'jupyter')] : [];
  return ['/usr/local/share/jupyter', '/usr/share/jupyter'];
}

/** The first executable named `name` on PATH, or null. */
export function which(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const exts = process.platform === 'win32' ? ['.exe', '.cmd', '.bat', ''] : [''];
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const file = path.join(dir, name + ext);
      try {
        if (fs.statSync(file).isFile()) {
          if (process.platform !== 'win32') fs.accessSync(file, fs.constants.X_OK);
          return file;
        }
      } catch {
        // not here
      }
    }
  }
  return null;
}

/**
 * The `sys.prefix` of the Python that runs Jupyter: an activated virtual environment or conda
 * environment (`$VIRTUAL_ENV`, `$CONDA_PREFIX`), else the prefix of the interpreter named on the
 * first line of the `jupyter` command found on PATH (`#!/usr/bin/python3` gives `/usr`). Throws,
 * saying what to do instead, when neither tells.
 */
export function jupyterSysPrefix(env: NodeJS.ProcessEnv = process.env): string {
  const active = env.VIRTUAL_ENV || env.CONDA_PREFIX;
  if (active) return path.resolve(active);
  const jupyter = which('jupyter', env);
  const instead = 'give --prefix DIR instead (DIR: what `python -c "import sys; print(sys.prefix)"` prints for the Python that runs Jupyter)';
  if (!jupyter) throw new Error(`--sys-prefix: no 'jupyter' command on PATH to find its Python's prefix; ${instead}`);
  if (process.platform === 'win32') return path.dirname(path.dirname(jupyter)); // PREFIX\Scripts\jupyter.exe
  const first = fs.readFileSync(jupyter, 'utf8').split('\n', 1)[0];
  const m = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(first);
  let interpreter = m ? (path.basename(m[1]) === 'env' ? (m[2] ? which(m[2], env) : null) : m[1]) : null;
  if (interpreter && !/^python/.test(path.basename(interpreter))) interpreter = null;
  if (!interpreter) throw new Error(`--sys-prefix: the first line of ${jupyter} names no Python (${JSON.stringify(first.slice(0, 60))}); ${instead}`);
  return path.dirname(path.dirname(interpreter));
}

/**
 * The data folders Jupyter searches for kernels, first match winning: `$JUPYTER_PATH`, the user's,
 * the environment's (when it can be told), the system's (as jupyter_core's `jupyter_path()`).
 */
export function jupyterDataPath(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = (env.JUPYTER_PATH ?? '').split(path.delimiter).filter((d) => d !== '').map((d) => path.resolve(d));
  dirs.push(userDataDir(env));
  try {
    dirs.push(path.join(jupyterSysPrefix(env), 'share', 'jupyter'));
  } catch {
    // no environment to add
  }
  dirs.push(...systemDataDirs(env));
  return [...new Set(dirs)];
}
