import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const WRITER = fileURLToPath(new URL('./fixtures/crash-writer.mjs', import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'larder-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Model = Map<string, string>;

function apply(model: Model, line: string): void {
  const [, op, key, value] = line.split(' ');
  if (op === 'set') model.set(key!, value!);
  else if (op === 'delete') model.delete(key!);
  else model.clear();
}

interface Trial {
  loaded: Record<string, string>;
  truncatedBytes: number;
  /** Writes whose call returned before the kill, in order. */
  acked: string[];
  /** The write in progress when the process died, if any. */
  inFlight: string | undefined;
}

/** Run the writer on `dir` and SIGKILL it `killAfter` ms after it finished loading. */
function trial(seed: number, killAfter: number): Promise<Trial> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, dir, String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let loadedLine: string | undefined;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (loadedLine === undefined) {
        const nl = out.indexOf('\n');
        if (nl >= 0) {
          loadedLine = out.slice(0, nl);
          setTimeout(() => child.kill('SIGKILL'), killAfter);
        }
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL' || loadedLine === undefined || !loadedLine.startsWith('L ')) {
        reject(new Error(`writer ended with ${code ?? signal}: ${err || out.slice(0, 500)}`));
        return;
      }
      const { loaded, truncatedBytes } = JSON.parse(loadedLine.slice(2)) as {
        loaded: Record<string, string>;
        truncatedBytes: number;
      };
      const acked: string[] = [];
      let inFlight: string | undefined;
      // only whole lines: the last one may have been cut by the kill
      const lines = out.split('\n').slice(1, -1);
      for (const line of lines) {
        if (line.startsWith('W ')) inFlight = line;
        else if (line === 'A' && inFlight !== undefined) {
          acked.push(inFlight);
          inFlight = undefined;
        }
      }
      resolve({ loaded, truncatedBytes, acked, inFlight });
    });
  });
}

describe('crash safety with appendFsync: always', () => {
  it('keeps every acknowledged write over repeated SIGKILLs at random points (in snapshots and compactions too)', async () => {
    let model: Model = new Map();
    let ambiguous: string | undefined;
    let writes = 0;
    const trials = 16;
    for (let n = 0; n < trials; n++) {
      const result = await trial(n + 1, 40 + Math.floor(Math.random() * 160));
      const actual = new Map(Object.entries(result.loaded));
      // the write in flight at the previous kill may or may not have reached the disk
      const withIt = new Map(model);
      if (ambiguous !== undefined) apply(withIt, ambiguous);
      const matches = [model, withIt].some(
        (expected) => expected.size === actual.size && [...expected].every(([k, v]) => actual.get(k) === v),
      );
      expect(matches, `trial ${n}: loaded state differs from the acknowledged writes`).toBe(true);
      model = actual;
      for (const line of result.acked) apply(model, line);
      ambiguous = result.inFlight;
      writes += result.acked.length;
    }
    expect(writes).toBeGreaterThan(trials * 5);
  }, 120_000);
});
