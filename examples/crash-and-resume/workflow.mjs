// A workflow of ten slow steps. `npm run demo` kills it half way with SIGKILL and runs it again.
import { workflow } from "steplog";

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const report = workflow("nightly-report", async (ctx, input) => {
  const totals = [];
  for (let i = 1; i <= input.batches; i++) {
    totals.push(
      await ctx.step(`batch ${i}`, async () => {
        await pause(150); // stands in for real work: an API call, a query, a file
        return { batch: i, rows: i * 100, at: new Date() };
      }),
    );
  }
  const rows = await ctx.step("sum", () => totals.reduce((sum, t) => sum + t.rows, 0));
  return { batches: totals.length, rows, first: totals[0].at };
});

await report.main();
