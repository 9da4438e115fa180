// steplog template: human-approval
//
// For:        work that must stop until a person says yes (a deploy, a refund, a bulk mail): the run waits
//             durably for an "approval" event; no process stays alive while it waits.
// Run:        node human-approval.mjs --input '{"what":"deploy v1.2.3"}'
//             The run prepares the request, prints the exact commands that approve or reject it, and exits
//             40 (waiting: not a failure). Approve with the steplog CLI, then resume the run:
//               npx steplog send <runId> approval --data '{"approved":true,"by":"ada"}' --dir <state dir>
//               node human-approval.mjs --run-id <runId>
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
import { EventTimeoutError, workflow } from "steplog";

const file = fileURLToPath(import.meta.url);
const script = path.relative(process.cwd(), file) || file;
// Where main() keeps state unless --dir is given: $STEPLOG_DIR, else .steplog/ beside this file.
const stateDir = path.relative(process.cwd(), process.env.STEPLOG_DIR ?? path.join(path.dirname(file), ".steplog")) || ".";

export const approval = workflow("human-approval", async (ctx, input) => {
  // EDIT: what needs approval.
  const request = await ctx.step("prepare request", () => ({ what: input?.what ?? "deploy v1.2.3", at: new Date() }));

  // EDIT: tell the approver (mail, chat, ticket). The commands below approve or reject this run.
  await ctx.step("ask approver", ({ log }) => {
    log(`approval needed: ${request.what}`);
    const send = (approved) => `npx steplog send ${ctx.runId} approval --data '{"approved":${approved},"by":"<name>"}' --dir ${stateDir}`;
    log(`approve: ${send(true)} && node ${script} --run-id ${ctx.runId}`);
    log(`reject:  ${send(false)} && node ${script} --run-id ${ctx.runId}`);
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

await approval.main();
