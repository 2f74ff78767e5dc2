/**
 * The library's informational lines (which backend runs, where the data came from). A sweep's worker
 * processes set `AVALANCHE_TS_QUIET=1`: their output reaches the notebook, and the same lines from
 * every worker and run would bury the user's own. Warnings and errors are never silenced.
 */

/** The environment variable that silences the library's notices. */
export const QUIET_ENV_VAR = 'AVALANCHE_TS_QUIET';

/** Prints a notice unless `AVALANCHE_TS_QUIET=1`. */
export function notice(line: string): void {
  if (process.env[QUIET_ENV_VAR] !== '1') console.log(line);
}
