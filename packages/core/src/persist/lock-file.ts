/**
 * One process per persistence directory: a `LOCK` file created exclusively, holding the owner's pid.
 * A lock left by a process that no longer runs (killed) is taken over.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { PersistenceError } from '../errors.js';

const LOCK_NAME = 'LOCK';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, under another user
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Take `dir`'s lock; returns the function that releases it. */
export function lockDir(dir: string): () => void {
  const path = join(dir, LOCK_NAME);
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') {
        throw new PersistenceError(path, undefined, `cannot create the lock file ${path} (${code})`, {
          cause: error,
        });
      }
      let owner = Number.NaN;
      try {
        owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
      } catch {
        // vanished between open and read: try again
        continue;
      }
      if (Number.isInteger(owner) && owner > 0 && alive(owner)) {
        const who =
          owner === process.pid ? 'this process (persist() was called twice on it)' : `process ${owner}`;
        throw new PersistenceError(
          path,
          undefined,
          `${dir} is in use by ${who}: only one process may persist to a directory`,
        );
      }
      // a stale lock (its owner is gone, or it never finished writing its pid)
      try {
        unlinkSync(path);
      } catch {
        // another process took it over first; the next attempt will tell
      }
      continue;
    }
    try {
      writeSync(fd, String(process.pid));
    } finally {
      closeSync(fd);
    }
    return () => {
      try {
        unlinkSync(path);
      } catch {
        // already gone: nothing to release
      }
    };
  }
  throw new PersistenceError(path, undefined, `cannot take the lock file ${path}: it keeps changing`);
}
