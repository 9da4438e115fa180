import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, describe, expect, it } from "vitest";
import { workflow } from "../../src/index.js";
import { removeTempDirs, tempStateDir } from "../helpers/temp-dir.js";

afterEach(removeTempDirs);

setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

describe("results of steps run in this execution", () => {
  it("are not held in memory once the step returned them (a long run does not keep every result)", async () => {
    let ref: WeakRef<object> | undefined;
    let collected: boolean | undefined;
    const wf = workflow("long", async (ctx) => {
      await ctx.step("big", () => {
        const value = { rows: Array.from({ length: 1000 }, (_, i) => ({ i })) };
        ref = new WeakRef(value);
        return value;
      });
      for (let i = 0; i < 5; i++) await ctx.step("after", () => i);
      // The returned value was dropped by this function: only steplog could still hold it.
      await new Promise((resolve) => setImmediate(resolve));
      collectGarbage();
      collected = ref!.deref() === undefined;
      return "done";
    }, { dir: tempStateDir(), durability: "process" });
    expect(await wf.run(undefined)).toBe("done");
    expect(collected).toBe(true);
  });
});
