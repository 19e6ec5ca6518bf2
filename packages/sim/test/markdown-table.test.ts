import { describe, expect, it } from 'vitest';
import { markdownTable } from '../src/markdown-table.js';

describe('markdownTable', () => {
  it('pads columns and aligns them left or right, with a rule at least three wide', () => {
    expect(
      markdownTable(
        ['a', 'size'],
        [
          ['lru', '1,000'],
          ['w-tinylfu', '5'],
        ],
        ['left', 'right'],
      ),
    ).toBe(
      [
        '| a         |  size |',
        '| --------- | ----: |',
        '| lru       | 1,000 |',
        '| w-tinylfu |     5 |',
      ].join('\n'),
    );
  });
});
