// steplog template: basic (TypeScript)
//
// For:        any script that does a few slow or fallible things in order (fetch, transform, write) and
//             should pick up where it stopped instead of starting over.
// Run:        npx tsx basic.ts --input '{"names":["ada","grace"]}'
//             (no build step: tsx runs the file as it is). Prints the result as JSON on stdout; progress goes
//             to stderr. `npx tsx basic.ts --help` lists the flags.
// Schedule:   from cron or a systemd timer, the same command (see cron-job.mjs for a complete header).
// On a crash: run the same command again (without --input). The run resumes: steps that completed return
//             their recorded results without running again, and execution continues at the first step
//             without a result. A step that was running when the process died runs again (at-least-once),
//             so pass `idempotencyKey` to anything with side effects.
// State:      .steplog/ beside this file (or $STEPLOG_DIR, or --dir DIR).
// Exit codes: 0 completed, 30 a step failed for good (dead-lettered; rerun to retry it), 10 bad flags or input.
//
// Edit the places marked EDIT.
import { workflow } from "steplog";

// EDIT: the workflow's input and result types.
interface Input {
  names?: string[];
}
interface Output {
  greeted: string[];
  savedAt: Date;
}

export const basic = workflow("basic-ts", async (ctx, input: Input | undefined): Promise<Output> => {
  const names = input?.names ?? ["ada", "grace"];

  // EDIT: your steps. Each runs once per run; its return value is journaled (JSON plus Date, Map, Set,
  // BigInt, Buffer, ...), and a rerun returns the recorded value instead of running the function again.
  const people = await ctx.step("load people", () => names.map((name) => ({ name, since: new Date() })));

  const greetings: string[] = [];
  for (const person of people) {
    greetings.push(await ctx.step(`greet ${person.name}`, ({ idempotencyKey }) => {
      // A side effect (mail, API call, insert) would pass idempotencyKey along, so a retried step applies once.
      void idempotencyKey;
      return `hello ${person.name}`;
    }));
  }

  const savedAt = await ctx.step("save summary", () => new Date());
  return { greeted: greetings, savedAt };
});

await basic.main();
