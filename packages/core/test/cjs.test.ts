import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('CommonJS consumers', () => {
  it("can require('@larder/core') (Node >= 20.19 loads our ESM build)", () => {
    const fixture = fileURLToPath(new URL('./fixtures/require-core.cjs', import.meta.url));
    const out = execFileSync(process.execPath, [fixture], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ keys: ['c', 'b'], same: true, configError: 'ERR_LARDER_CONFIG' });
  });

  it('can require the subpaths store, policies, memo and testing: the root objects, and a working contract', () => {
    const fixture = fileURLToPath(new URL('./fixtures/require-subpaths.cjs', import.meta.url));
    const out = execFileSync(process.execPath, [fixture], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ store: 'function', policies: true, memo: 'function', cases: 11 });
  });
});
