import { describe, expectTypeOf, it } from "vitest";
import {
  workflow, type MapResult, type StepContext, type Workflow, type WorkflowContext,
} from "../src/index.js";

describe("public API types", () => {
  it("infers step results, workflow input and output", () => {
    const wf = workflow("typed", async (ctx, input: { day: string }) => {
      expectTypeOf(ctx).toEqualTypeOf<WorkflowContext>();
      expectTypeOf(ctx.step("a", () => 1)).resolves.toEqualTypeOf<number>();
      expectTypeOf(ctx.step("b", async () => ({ at: new Date() }))).resolves.toEqualTypeOf<{ at: Date }>();
      expectTypeOf(ctx.step("c", (s) => s)).resolves.toEqualTypeOf<StepContext>();
      expectTypeOf(ctx.waitForEvent<{ ok: boolean }>("approval")).resolves.toEqualTypeOf<{ ok: boolean }>();
      expectTypeOf(ctx.map("m", [1, 2], async (n) => String(n))).resolves.toEqualTypeOf<MapResult<string>>();
      expectTypeOf(ctx.now()).resolves.toBeNumber();
      expectTypeOf(ctx.uuid()).resolves.toBeString();
      expectTypeOf(ctx.patched("p")).resolves.toBeBoolean();
      return { day: input.day, n: 1 };
    });
    expectTypeOf(wf).toEqualTypeOf<Workflow<{ day: string }, { day: string; n: number }>>();
    expectTypeOf(wf.run).parameter(0).toEqualTypeOf<{ day: string }>();
    expectTypeOf(wf.run).returns.resolves.toEqualTypeOf<{ day: string; n: number }>();
  });

  it("types a step's compensation with the step's result", () => {
    workflow("saga-typed", async (ctx) => {
      await ctx.step("book", () => ({ id: 7 }), {
        compensate: (booking) => {
          expectTypeOf(booking).toEqualTypeOf<{ id: number }>();
        },
      });
    });
  });

  it("types a child run's result", () => {
    const child = workflow("child-typed", async (_ctx, input: { n: number }) => input.n * 2);
    workflow("parent-typed", async (ctx) => {
      expectTypeOf(ctx.child(child, { n: 2 })).resolves.toEqualTypeOf<number>();
    });
  });
});
