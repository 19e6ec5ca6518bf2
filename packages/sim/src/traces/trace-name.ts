import { basename } from 'node:path';

/**
 * A short display name for a trace file: the base name without compression and trace suffixes,
 * e.g. `lirs/gli.trace.gz` -> `gli`, `web07.trace.xz` -> `web07`, `access.log.gz` -> `access`.
 */
export function traceName(path: string): string {
  const name = basename(path)
    .replace(/\.(gz|xz)$/i, '')
    .replace(/\.(trace|txt|log|lirs|clf|i32|i64|bin|dat)$/i, '');
  return name === '' ? basename(path) : name;
}
