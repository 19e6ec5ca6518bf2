import { describe, expect, it } from 'vitest';
import { applyValidators, withRefreshMarker } from '../../src/http/request-safety.js';
import type { Fill } from '../../src/http/types.js';

/** A fill as far as applyValidators reads it. */
function fill(fields: Record<'if-none-match' | 'if-modified-since', string | undefined> | undefined): Fill {
  return { validators: () => fields } as unknown as Fill;
}

describe('applyValidators', () => {
  it('sets and removes the conditional fields in headers and raw lines, keeping the client’s for later lookups', () => {
    const holder = {};
    const headers: Record<string, unknown> = { host: 'a', 'if-none-match': '"mine"' };
    const raw = ['Host', 'a', 'If-None-Match', '"mine"'];
    applyValidators(
      holder,
      fill({ 'if-none-match': '"stored"', 'if-modified-since': 'Wed, 01 Jan 2020 00:00:00 GMT' }),
      headers,
      raw,
    );
    expect(headers).toEqual({
      host: 'a',
      'if-none-match': '"stored"',
      'if-modified-since': 'Wed, 01 Jan 2020 00:00:00 GMT',
    });
    expect(raw).toEqual([
      'Host',
      'a',
      'if-none-match',
      '"stored"',
      'if-modified-since',
      'Wed, 01 Jan 2020 00:00:00 GMT',
    ]);
    // a second lookup of the request sees what the client sent
    expect(withRefreshMarker(holder, headers as never)).toEqual({ host: 'a', 'if-none-match': '"mine"' });
  });

  it('gives the client’s own fields back when a second lookup revalidates nothing', () => {
    const holder = {};
    const headers: Record<string, unknown> = { host: 'a', 'if-none-match': '"mine"' };
    const raw = ['Host', 'a', 'If-None-Match', '"mine"'];
    applyValidators(holder, fill({ 'if-none-match': undefined, 'if-modified-since': 'x' }), headers, raw);
    expect(headers['if-none-match']).toBeUndefined();
    applyValidators(holder, fill(undefined), headers, raw);
    expect(headers).toEqual({ host: 'a', 'if-none-match': '"mine"' });
    expect(raw).toEqual(['Host', 'a', 'if-none-match', '"mine"']);
  });

  it('leaves a request alone when the fill revalidates nothing and nothing was applied', () => {
    const headers: Record<string, unknown> = { host: 'a', 'if-none-match': '"mine"' };
    applyValidators({}, fill(undefined), headers);
    applyValidators({}, null, headers);
    expect(headers).toEqual({ host: 'a', 'if-none-match': '"mine"' });
  });
});
