/**
 * Workflows used by the engine tests. `executions` counts how often each step body really ran.
 */
import { TerminalError } from "../../src/errors.js";
import { workflow } from "../../src/workflow.js";

export const executions = new Map<string, number>();

function ran(name: string): void {
  executions.set(name, (executions.get(name) ?? 0) + 1);
}

/** Submits a request, waits for an "approval" event, then applies the decision. */
export const approval = workflow("approval", async (ctx, input: { amount: number }) => {
  const request = await ctx.step("submit", () => (ran("submit"), { amount: input.amount }));
  const decision = await ctx.waitForEvent<{ approved: boolean; by: string }>("approval");
  const applied = await ctx.step("apply", () => (ran("apply"), decision.approved ? request.amount : 0));
  return { applied, by: decision.by };
}, { retry: false });

/** Sleeps an hour between two steps. */
export const reminder = workflow("reminder", async (ctx, input: { to: string }) => {
  await ctx.step("schedule", () => input.to);
  await ctx.sleep("wait-an-hour", 3_600_000);
  return ctx.step("send", () => `reminded ${input.to}`);
}, { retry: false });

/** Fails for good in its second step. */
export const broken = workflow("broken", async (ctx) => {
  await ctx.step("fine", () => 1);
  await ctx.step("explode", () => {
    throw new TerminalError("the ledger is closed");
  });
}, { retry: false });

/** Many small steps, for the bounded history. */
export const chatty = workflow("chatty", async (ctx, input: { steps: number }) => {
  for (let i = 0; i < input.steps; i++) await ctx.step(`s${i}`, () => i);
  await ctx.waitForEvent("go");
  return input.steps;
}, { retry: false });
