// The README's quick start: three kinds of steps, resumed on rerun.
//   node examples/quickstart/sync.mjs --input '{"rows":["a","b","c"]}'
import { workflow } from "steplog";

const sync = workflow("sync", async (ctx, input) => {
  const page = await ctx.step("fetch", () => input.rows.join(","));
  const parsed = await ctx.step("parse", () => ({ at: new Date(), rows: page.split(",") }));
  await Promise.all(parsed.rows.map((row) => ctx.step("store", () => `stored ${row}`)));
  return { count: parsed.rows.length, at: parsed.at };
});

await sync.main();
