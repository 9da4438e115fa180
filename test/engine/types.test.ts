import { describe, expectTypeOf, it } from "vitest";
import type { Engine, RunHandle } from "../../src/engine/engine.js";
import type { RunEvent } from "../../src/events.js";
import { approval } from "./workflows.js";

describe("engine types", () => {
  it("carries a workflow's input and output types through start, run and handles", () => {
    const check = (engine: Engine) => {
      expectTypeOf(engine.start(approval, { amount: 1 })).resolves.toEqualTypeOf<RunHandle<{ applied: number; by: string }>>();
      expectTypeOf(engine.run(approval, { amount: 1 })).resolves.toEqualTypeOf<{ applied: number; by: string }>();
      expectTypeOf(engine.run("approval", {})).resolves.toBeUnknown();
      expectTypeOf(engine.stream("x")).toEqualTypeOf<AsyncIterableIterator<RunEvent>>();
      // @ts-expect-error the input must match the workflow's
      void engine.start(approval, { amount: "1" });
    };
    expectTypeOf(check).toBeFunction();
  });

  it("narrows stream events by type", () => {
    const onEvent = (event: RunEvent) => {
      if (event.type === "run:wait") expectTypeOf(event.wait.kind).toEqualTypeOf<"sleep" | "event">();
      if (event.type === "run:complete") expectTypeOf(event.result).toBeUnknown();
    };
    expectTypeOf(onEvent).parameter(0).toEqualTypeOf<RunEvent>();
  });
});
