// steplog template: human-approval
//
// For:        work that must stop until a person says yes (a deploy, a refund, a bulk mail): the run waits
//             durably for an "approval" event; no process stays alive while it waits.
// Run:        node human-approval.mjs --input '{"what":"deploy v1.2.3"}'
//             The run prepares the request, prints the commands that approve or reject it, and exits 40
//             (waiting: not a failure). Approve, then resume the run:
//               node human-approval.mjs approve <runId> --by ada       (or: reject <runId> --by ada)
//               node human-approval.mjs --run-id <runId>
//             The steplog CLI delivers the same event: npx steplog send <runId> approval --data '{"approved":true}'
//             Running the script again before the event arrives exits 40 again and changes nothing.
// Schedule:   the resume command can run from cron every few minutes: it exits 40 until the event is there.
// On a crash: rerun the same command: the request is not prepared again, the wait resumes; an event sent
//             while no process was running waits in .steplog/inbox/<runId>/.
// Timeout:    after 7 days without an answer the wait fails with EventTimeoutError; here the run then ends
//             as not approved.
//
// Edit the places marked EDIT.
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { EventTimeoutError, createFileStore, workflow } from "steplog";

const script = path.relative(process.cwd(), fileURLToPath(import.meta.url)) || fileURLToPath(import.meta.url);

export const approval = workflow("human-approval", async (ctx, input) => {
  // EDIT: what needs approval.
  const request = await ctx.step("prepare request", () => ({ what: input?.what ?? "deploy v1.2.3", at: new Date() }));

  // EDIT: tell the approver (mail, chat, ticket). The commands below approve or reject this run.
  await ctx.step("ask approver", ({ log }) => {
    log(`approval needed: ${request.what}`);
    log(`approve: node ${script} approve ${ctx.runId} --by <name> && node ${script} --run-id ${ctx.runId}`);
    log(`reject:  node ${script} reject ${ctx.runId} --by <name> && node ${script} --run-id ${ctx.runId}`);
  });

  let decision;
  try {
    decision = await ctx.waitForEvent("approval", { timeoutMs: 7 * 86_400_000 });
  } catch (error) {
    if (error instanceof EventTimeoutError) return { what: request.what, approved: false, reason: "no answer within 7 days" };
    throw error;
  }
  if (!decision?.approved) return { what: request.what, approved: false, by: decision?.by ?? null };

  // EDIT: the approved work.
  const done = await ctx.step("carry out", ({ idempotencyKey }) => ({ what: request.what, idempotencyKey, at: new Date() }));
  return { what: request.what, approved: true, by: decision.by ?? null, doneAt: done.at };
});

// `approve <runId>` / `reject <runId>`: delivers the event through the store (what `steplog send` does).
const [command, runId, ...rest] = process.argv.slice(2);
if (command === "approve" || command === "reject") {
  const { values } = parseArgs({ args: rest, options: { by: { type: "string" }, dir: { type: "string" } } });
  const dir = values.dir ?? process.env.STEPLOG_DIR ?? path.join(path.dirname(fileURLToPath(import.meta.url)), ".steplog");
  const store = createFileStore({ dir });
  if (!runId || !(await store.getRun(runId))) {
    console.error(`unknown run id ${runId ?? "(none)"} in ${dir}`);
    process.exit(10);
  }
  await store.sendEvent(runId, "approval", { json: { approved: command === "approve", by: values.by ?? null } }, Date.now());
  console.error(`sent '${command}' to run ${runId}; resume it with: node ${script} --run-id ${runId}`);
} else {
  await approval.main();
}
