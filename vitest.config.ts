import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The fault suite's full-scale files run in `npm run test:faults`; its *.quick.test.ts files run here too.
    exclude: [...configDefaults.exclude, "test/faults/**/*.full.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
