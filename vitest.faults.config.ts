import { defineConfig } from "vitest/config";

// `npm run test:faults`: every fault class at full scale, then one table of figures (test/faults/results.json).
export default defineConfig({
  test: {
    include: ["test/faults/**/*.test.ts"],
    globalSetup: ["test/faults/global-setup.ts"],
    env: { STEPLOG_FAULTS_FULL: "1" },
    testTimeout: 30 * 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    fileParallelism: false,
  },
});
