// steplog template: batch-dlq
//
// For:        processing a list of items (rows, files, users) where one bad item must not stop the others:
//             each item is its own step, failed items go to the dead-letter queue, the rest continue.
// Run:        node batch-dlq.mjs --input '{"items":["orders/1.json","orders/2.json"]}'
//             The example work reads each JSON file and adds up its "amount"; the result says how many items
//             succeeded and which failed.
// Redrive:    fix the cause (here: create or repair the file), then process the open dead letters again:
//               node batch-dlq.mjs --fresh --input '{"redrive":true}'
//             Every open entry of this workflow is marked "redriven" and its item processed in the new run;
//             an item that fails again gets a new open entry (pointing at the new run).
// Schedule:   see cron-job.mjs; a nightly batch is the same command.
// On a crash: rerun the same command without --input: items already done are not processed again; an item
//             that was in flight when the process died is processed again (pass idempotencyKey on).
// State:      .steplog/ beside this file (or $STEPLOG_DIR); dead letters are in .steplog/dlq.jsonl.
// Exit codes: 0 completed (even with dead-lettered items: see `failed` in the result), 30 a step outside
//             the batch failed for good, 60 journal or disk problem.
//
// Edit the places marked EDIT.
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { TerminalError, createFileStore, workflow } from "steplog";

const WORKFLOW = "batch-dlq";
const store = () => createFileStore({ dir: process.env.STEPLOG_DIR ?? path.join(path.dirname(fileURLToPath(import.meta.url)), ".steplog") });

// EDIT: the work for one item. Throw TerminalError for an item that can never succeed as it is (no retries);
// any other error is retried (see `retry` below), then the item is dead-lettered.
async function processItem(file, { signal }) {
  const text = await fs.readFile(file, { encoding: "utf8", signal }); // a missing file: retried, then dead-lettered
  let order;
  try {
    order = JSON.parse(text);
  } catch {
    throw new TerminalError(`${file} is not valid JSON`);
  }
  if (typeof order.amount !== "number") throw new TerminalError(`${file} has no numeric "amount"`);
  return order.amount;
}

// The items behind the open dead letters of this workflow: each run journals its item list in "list items".
async function openDeadLetters() {
  const entries = await store().dlq.list({ workflow: WORKFLOW, status: "open" });
  const found = [];
  for (const entry of entries) {
    const index = /^item\[(\d+)\]$/.exec(entry.stepKey);
    if (!index) continue; // a step outside the batch: rerun that run instead
    const { records } = await store().loadRun(entry.runId);
    const list = records.find((r) => r.type === "step" && r.key === "list items");
    found.push({ entryId: entry.id, item: list.out.json[Number(index[1])] });
  }
  return found;
}

export const batch = workflow(WORKFLOW, async (ctx, input) => {
  const redrive = input?.redrive === true ? await ctx.step("collect dead letters", openDeadLetters) : [];
  const items = await ctx.step("list items", () => (input?.redrive ? redrive.map((d) => d.item) : (input?.items ?? [])));
  if (redrive.length > 0) {
    await ctx.step("mark redriven", async () => {
      for (const { entryId } of redrive) await store().dlq.setStatus(entryId, "redriven", Date.now());
    });
  }

  // EDIT: concurrency, retry and timeout per item.
  const { results, failed } = await ctx.map("item", items, (item, _index, step) => processItem(item, step), {
    concurrency: 4,
    continueOnError: true,
    retry: { retries: 2, minDelayMs: 200 },
    timeoutMs: 30_000,
  });

  return {
    succeeded: results.filter((r) => r !== undefined).length,
    total: results.reduce((sum, amount) => sum + (amount ?? 0), 0),
    failed: failed.map((f) => ({ item: items[f.index], step: f.key, error: f.error.message })),
  };
});

await batch.main();
