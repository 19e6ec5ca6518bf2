import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** A fresh temporary folder; `cleanup` removes it. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'larder-sim-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Writes `content` to `dir/name` as is, gzipped (`name.gz`) and xz-compressed (`name.xz`). */
export async function writeAllCompressions(
  dir: string,
  name: string,
  content: string | Uint8Array,
): Promise<{ plain: string; gz: string; xz: string }> {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
  const plain = join(dir, name);
  await writeFile(plain, bytes);
  await writeFile(`${plain}.gz`, gzipSync(bytes));
  await writeFile(`${plain}.xz`, execFileSync('xz', ['-zc'], { input: bytes }));
  return { plain, gz: `${plain}.gz`, xz: `${plain}.xz` };
}

/** Yields `bytes` in chunks of `size` bytes, as a stream would (splitting lines and records). */
export async function* chunksOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** A seeded PRNG (mulberry32), so random tests are reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const here = dirname(fileURLToPath(import.meta.url));

/** The package folder (`packages/sim`). */
export const packageDir = resolve(here, '../..');

const foundTracesDir: string | undefined = [
  process.env.LARDER_TRACES,
  resolve(packageDir, '../../../shared/traces'),
  '/work/shared/traces',
].find((dir): dir is string => dir !== undefined && existsSync(join(dir, 'lirs', 'gli.trace.gz')));

/**
 * The shared traces folder: `$LARDER_TRACES`, else `shared/traces` beside the repository (as in CI),
 * else `/work/shared/traces`. The tests that replay them are never skipped: without the traces they
 * fail, saying where they looked.
 */
export const sharedTracesDir: string = foundTracesDir ?? '(shared traces not found: set LARDER_TRACES)';
if (foundTracesDir === undefined) {
  throw new Error(
    'The shared cache traces were not found in $LARDER_TRACES, ../shared/traces beside the repository or /work/shared/traces',
  );
}
