import { describe, expect, it } from 'vitest';
import { renderTable } from '../src/render-table.js';
import type { SimulationResult } from '../src/simulation-result.js';

const result: SimulationResult = {
  trace: {
    name: 'gli',
    source: 'gli.trace.gz',
    format: 'lirs',
    requests: 6015,
    uniqueKeys: 2529,
    malformed: 0,
  },
  sizes: [500, 1000],
  policies: [
    { policy: 'lru', hits: [57, 674], hitRatios: [57 / 6015, 674 / 6015], elapsedMs: 1 },
    { policy: 'w-tinylfu', hits: [900, 2585], hitRatios: [900 / 6015, 2585 / 6015], elapsedMs: 1 },
  ],
  opt: { policy: 'opt', hits: [2065, 3197], hitRatios: [2065 / 6015, 3197 / 6015], elapsedMs: 1 },
};

describe('renderTable', () => {
  it('prints percentages with two decimals, marks the best policy per size, OPT last', () => {
    const text = renderTable(result);
    expect(text).toContain('gli: 6,015 requests, 2,529 distinct keys (lirs)');
    const lines = text.split('\n');
    const header = lines.find((l) => l.startsWith('policy'));
    expect(header).toMatch(/policy\s+500\s+1,000/);
    expect(lines.find((l) => l.startsWith('lru'))).toMatch(/^lru\s+0\.95\s+11\.21\s*$/);
    expect(lines.find((l) => l.startsWith('w-tinylfu'))).toMatch(/^w-tinylfu\s+14\.96 \*\s+42\.98 \*$/);
    expect(lines.find((l) => l.startsWith('OPT'))).toMatch(/^OPT\s+34\.33\s+53\.15\s*$/);
    expect(text).toContain('* best policy at that size');
  });

  it('keeps the digits of marked and unmarked cells aligned', () => {
    const lines = renderTable(result).split('\n');
    const lru = lines.find((l) => l.startsWith('lru')) ?? '';
    const best = lines.find((l) => l.startsWith('w-tinylfu')) ?? '';
    expect(lru.indexOf('11.21') + 5).toBe(best.indexOf('42.98') + 5);
  });

  it('marks every policy whose printed value ties for best', () => {
    const tied: SimulationResult = {
      ...result,
      policies: [
        { policy: 'sieve', hits: [1], hitRatios: [0.74951], elapsedMs: 1 },
        { policy: 's3-fifo', hits: [1], hitRatios: [0.74949], elapsedMs: 1 },
        { policy: 'lru', hits: [1], hitRatios: [0.7], elapsedMs: 1 },
      ],
      sizes: [2000],
    };
    const md = renderTable(tied, { format: 'markdown' });
    expect(md).toMatch(/^\| sieve +\| +\*\*74\.95\*\* \|$/m);
    expect(md).toMatch(/^\| s3-fifo +\| +\*\*74\.95\*\* \|$/m);
    expect(md).toMatch(/^\| lru +\| +70\.00 \|$/m);
  });

  it('renders markdown with bold best values and reference rows', () => {
    const md = renderTable(result, {
      format: 'markdown',
      heading: false,
      references: [{ label: 'Caffeine', percents: [undefined, 42.98] }],
    });
    expect(md).toContain('| policy    |       500 |     1,000 |');
    expect(md).toContain('| --------- | --------: | --------: |');
    expect(md).toContain('| w-tinylfu | **14.96** | **42.98** |');
    expect(md).toContain('| Caffeine  |         — |     42.98 |');
    expect(md).not.toContain('distinct keys');
  });
});
