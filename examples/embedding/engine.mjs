// Embedding the engine in a long-lived process: start a run, follow its events, deliver the event it waits
// for, and read its result. The run waits in memory (no exit 40); its journal is the same as a script's.
//   node examples/embedding/engine.mjs
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createEngine, workflow } from "steplog";

const refund = workflow("refund", async (ctx, input) => {
  const quote = await ctx.step("quote", () => ({ orderId: input.orderId, amount: input.amount }));
  const decision = await ctx.waitForEvent("approval", { timeoutMs: 86_400_000 });
  if (!decision.approved) return { refunded: 0 };
  return ctx.step("pay back", ({ idempotencyKey }) => ({ refunded: quote.amount, idempotencyKey }));
});

const dir = process.env.STEPLOG_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), "steplog-engine-"));
const engine = createEngine({ dir, workflows: [refund] });
await engine.resumeAll(); // after a restart: continue every unfinished run of the registered workflows

const handle = await engine.start(refund, { orderId: "A-7", amount: 30 }, { key: "refund-A-7" });
for await (const event of handle.stream()) {
  console.log(event.type, "key" in event ? event.key : "");
  if (event.type === "run:wait") await engine.send(handle.runId, "approval", { approved: true });
}
console.log(await handle.result());
await engine.close();
