import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // generous: the whole suite shares two cores with the other packages' tests in CI
    testTimeout: 60_000,
    hookTimeout: 120_000,
    include: ['test/**/*.test.ts'],
    typecheck: { include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
});
