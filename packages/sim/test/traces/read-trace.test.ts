import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTrace } from '../../src/traces/read-trace.js';
import { traceName } from '../../src/traces/trace-name.js';
import { sharedTracesDir } from '../support/fixtures.js';

describe('traceName', () => {
  it('drops folders, compression and trace suffixes', () => {
    expect(traceName('/t/lirs/gli.trace.gz')).toBe('gli');
    expect(traceName('web07.trace.xz')).toBe('web07');
    expect(traceName('corda/trace_vaultservice.gz')).toBe('trace_vaultservice');
    expect(traceName('logs/access.log.gz')).toBe('access');
  });
});

// The request and distinct-key counts in the traces README, read through auto-detection.
const SHARED = [
  ['lirs/gli.trace.gz', 'lirs', 6015, 2529],
  ['lirs/loop.trace.gz', 'lirs', 505500, 1011],
  ['lirs/multi2.trace.gz', 'lirs', 26311, 5684],
  ['cache2k/web07.trace.xz', 'i32', 76118, 20484],
  ['corda/trace_vaultservice.gz', 'i64', 135702, 90468],
] as const;

describe('readTrace on the shared traces', () => {
  it.each(SHARED)(
    '%s is %s with %i requests and %i distinct keys',
    async (file, format, requests, unique) => {
      const trace = await readTrace(join(sharedTracesDir, file));
      expect(trace.format).toBe(format);
      expect(trace.keys).toHaveLength(requests);
      expect(trace.uniqueKeys).toBe(unique);
      expect(trace.malformed).toBe(0);
    },
  );
});
