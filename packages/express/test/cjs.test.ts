import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('CommonJS consumers', () => {
  it("can require('@larder/express') (Node >= 20.19 loads our ESM build)", () => {
    const fixture = fileURLToPath(new URL('./fixtures/require-express.cjs', import.meta.url));
    const out = execFileSync(process.execPath, [fixture], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({
      middleware: 'function',
      route: 'function',
      configError: 'ERR_LARDER_CONFIG',
    });
  });
});
