import { defineConfig } from 'vitest/config';

/**
 * The HTTP behaviour contract in the root `test/`: the same cases through every adapter, against the
 * packages' built `dist` (run `npx turbo run build` first; `npm test` does). The type test compiles the
 * whole of `test/` with `test/tsconfig.json`, so a type error anywhere in the suite fails the run.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 15_000,
    hookTimeout: 15_000,
    typecheck: {
      enabled: true,
      include: ['test/**/*.test-d.ts'],
      tsconfig: './test/tsconfig.json',
    },
  },
});
