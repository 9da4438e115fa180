// A workflow of BENCH_STEPS small steps, used to build journals of a given size and to time resuming them.
//   BENCH_CRASH_AT=k  the k-th step (0-based) kills its own process with SIGKILL as it starts (a crash)
//   BENCH_MARK_AT=k   the k-th step prints `NEW_STEP {ms, maxRssKb}` (ms since the run was asked for) and exits
//   BENCH_ENTRY=main  run as a script through wf.main() (default: wf.run() with key "bench")
// The state directory comes from STEPLOG_DIR.
import { workflow } from "steplog";

const steps = Number(process.env.BENCH_STEPS);
const crashAt = Number(process.env.BENCH_CRASH_AT ?? -1);
const markAt = Number(process.env.BENCH_MARK_AT ?? -1);
let t0 = 0;

const wf = workflow("bench-resume", async (ctx) => {
  for (let i = 0; i < steps; i++) {
    await ctx.step("s", () => {
      if (i === crashAt) process.kill(process.pid, "SIGKILL");
      if (i === markAt) {
        const ms = performance.now() - t0;
        process.stdout.write(`NEW_STEP ${JSON.stringify({ ms, maxRssKb: process.resourceUsage().maxRSS })}\n`);
        process.exit(0);
      }
      return { n: i, ok: true };
    });
  }
  return steps;
}, { durability: process.env.BENCH_DURABILITY ?? "fsync" });

if (process.env.BENCH_ENTRY === "main") {
  await wf.main();
} else {
  t0 = performance.now();
  await wf.run({}, { key: "bench" });
}
