import { describe, expect, it } from 'vitest';
import { renderSvg } from '../src/render-svg.js';
import type { SimulationResult } from '../src/simulation-result.js';

const policies = ['lru', 'fifo', 'lfu', 'clock', 'lru-k', '2q', 'arc', 'sieve', 's3-fifo', 'w-tinylfu'];
const result: SimulationResult = {
  trace: { name: 'sprite', source: 's', format: 'lirs', requests: 1000, uniqueKeys: 300, malformed: 0 },
  sizes: [100, 400, 1000],
  policies: policies.map((policy, i) => ({
    policy,
    hits: [100 + i, 400 + i, 700 + i],
    hitRatios: [0.1 + i / 1000, 0.4 + i / 1000, 0.7 + i / 1000],
    elapsedMs: 1,
  })),
  opt: { policy: 'opt', hits: [500, 800, 900], hitRatios: [0.5, 0.8, 0.9], elapsedMs: 1 },
};

/** Checks that every tag is closed in order, which is what "well-formed" needs from this output. */
function assertWellFormed(svg: string): void {
  const stack: string[] = [];
  for (const match of svg.matchAll(/<(\/?)([A-Za-z][\w:-]*)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = match;
    if (selfClosing === '/') continue;
    if (closing === '/') expect(stack.pop()).toBe(name);
    else stack.push(name as string);
  }
  expect(stack).toEqual([]);
}

describe('renderSvg', () => {
  it('renders a well-formed SVG with one line path per policy plus OPT', async () => {
    const svg = await renderSvg(result, { credit: 'LIRS trace by Song Jiang and Xiaodong Zhang' });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    assertWellFormed(svg);
    // vega draws each series as its own line-mark group holding one path.
    const groups = [...svg.matchAll(/<g class="mark-line role-mark[^"]*"[^>]*>(.*?)<\/g>/gs)].map(
      (m) => m[1] ?? '',
    );
    expect(groups).toHaveLength(policies.length + 1);
    for (const group of groups) expect(group.match(/<path /g)).toHaveLength(1);
    // OPT is the one dashed line.
    expect(groups.filter((group) => group.includes('stroke-dasharray="6,4"'))).toHaveLength(1);
  });

  it('has the title, axis titles, legend entries and the credit', async () => {
    const svg = await renderSvg(result, { credit: 'LIRS trace by Song Jiang and Xiaodong Zhang' });
    for (const text of [
      '>sprite<',
      'Cache size (entries)',
      'Hit ratio (%)',
      'OPT (optimum)',
      'w-tinylfu',
      'Song Jiang',
    ]) {
      expect(svg).toContain(text);
    }
  });

  it('handles a single size and no OPT', async () => {
    const { opt: _opt, ...withoutOpt } = result;
    const svg = await renderSvg({ ...withoutOpt, sizes: [100], policies: result.policies.slice(0, 2) });
    assertWellFormed(svg);
  });
});
