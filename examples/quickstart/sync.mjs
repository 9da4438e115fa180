// The README's quick start. Run it, run it again, kill it half way: completed steps are never redone.
//   node examples/quickstart/sync.mjs --input '{"rows":["a","b","c"]}'
import { workflow } from "steplog";

const sync = workflow("sync", async (ctx, input) => {
  const rows = input?.rows ?? ["a", "b", "c"];
  // Runs once per run: the result is journaled, and a rerun returns it without calling the function.
  const page = await ctx.step("fetch", () => rows.join(","));
  // Dates (and Maps, Sets, BigInts, Buffers) come back from the journal unchanged.
  const parsed = await ctx.step("parse", () => ({ at: new Date(), rows: page.split(",") }));
  // Steps may run concurrently; calls with the same name get the keys store, store#2, store#3, ...
  await Promise.all(parsed.rows.map((row) => ctx.step("store", () => `stored ${row}`)));
  return { count: parsed.rows.length, at: parsed.at };
});

await sync.main();
