// DBOS Transact with the workflow shapes of the steplog benchmarks. Run from bench/peers (its own node_modules).
//   node dbos.mjs seq <url>        1,000 sequential no-op steps in one workflow: prints RESULT {msPerStep}
//   node dbos.mjs concurrent <url> 200 workflows x 10 steps at once: prints RESULT {ms}
//   node dbos.mjs crash <url> <id> a 1,001-step workflow killed (SIGKILL) as its step 1,001 starts
//   node dbos.mjs recover <url>    launches; recovery resumes the crashed workflow, whose step 1,001 prints NEW_STEP
import { DBOS } from "@dbos-inc/dbos-sdk";

const [mode, url, workflowId] = process.argv.slice(2);
const STEPS = 1000;

async function sequential(steps) {
  for (let i = 0; i < steps; i++) await DBOS.runStep(async () => ({ n: i, ok: true }), { name: `s${i}` });
  return steps;
}
const sequentialWf = DBOS.registerWorkflow(sequential, { name: "sequential" });

async function tenSteps(run) {
  for (let i = 0; i < 10; i++) await DBOS.runStep(async () => ({ run, step: i, ok: true }), { name: `step-${i}` });
  return run;
}
const tenStepsWf = DBOS.registerWorkflow(tenSteps, { name: "tenSteps" });

async function crashing() {
  for (let i = 0; i <= STEPS; i++) {
    await DBOS.runStep(async () => {
      if (i === STEPS) {
        if (process.env.DBOS_BENCH_MODE === "crash") process.kill(process.pid, "SIGKILL");
        process.stdout.write("NEW_STEP\n");
        process.exit(0);
      }
      return { n: i, ok: true };
    }, { name: `s${i}` });
  }
}
const crashingWf = DBOS.registerWorkflow(crashing, { name: "crashing" });

DBOS.setConfig({ name: "steplog-bench", applicationVersion: "bench", systemDatabaseUrl: url, logLevel: "error" });
process.env.DBOS_BENCH_MODE = mode;
await DBOS.launch();
if (mode === "seq") {
  await sequentialWf(10); // warm-up
  const t0 = performance.now();
  await sequentialWf(STEPS);
  process.stdout.write(`RESULT ${JSON.stringify({ msPerStep: (performance.now() - t0) / STEPS })}\n`);
} else if (mode === "concurrent") {
  await Promise.all(Array.from({ length: 20 }, (_, i) => tenStepsWf(i))); // warm-up
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 200 }, (_, i) => tenStepsWf(i)));
  process.stdout.write(`RESULT ${JSON.stringify({ ms: performance.now() - t0 })}\n`);
} else if (mode === "crash") {
  const handle = await DBOS.startWorkflow(crashingWf, { workflowID: workflowId })();
  await handle.getResult();
} else if (mode === "recover") {
  // DBOS.launch() recovers this executor's pending workflows; the crashed one prints NEW_STEP and exits.
  await new Promise(() => setTimeout(() => process.exit(3), 60_000).unref());
}
await DBOS.shutdown();
