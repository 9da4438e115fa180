import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createEngine, createFileStore, workflow } from "../../src/index.js";
import { removeTempDirs, tempStateDir } from "../helpers/temp-dir.js";

afterEach(removeTempDirs);

/** Counts fs.watch calls (each one an inotify watch and a handle) while still making them. */
const watches = { calls: 0 };
const originalWatch = fs.watch;
beforeAll(() => {
  fs.watch = ((...args: Parameters<typeof fs.watch>) => {
    watches.calls++;
    return originalWatch(...args);
  }) as typeof fs.watch;
  syncBuiltinESMExports();
});
afterAll(() => {
  fs.watch = originalWatch;
  syncBuiltinESMExports();
});

describe("inbox watching (file store)", () => {
  it("runs waiting in one process share one watcher until something is delivered to them, and each gets its event", async () => {
    const dir = tempStateDir();
    const approval = workflow("approval", async (ctx, input: { n: number }) => {
      const answer = await ctx.waitForEvent<{ ok: boolean }>("go");
      return { n: input.n, ok: answer.ok };
    }, { durability: "process" });
    const engine = createEngine({ dir, workflows: [approval] });
    try {
      const before = watches.calls;
      const handles = await Promise.all(Array.from({ length: 30 }, (_, n) => engine.start(approval, { n })));
      await Promise.all(handles.map(async (h) => {
        for await (const event of h.stream()) if (event.type === "run:wait") break;
      }));
      expect(watches.calls - before).toBe(1);

      // Delivered as another process would (`steplog send`): through its own store, into the inbox directory.
      const sender = createFileStore({ dir });
      for (const h of handles) await sender.sendEvent(h.runId, "go", { json: { ok: true } }, Date.now());
      const results = await Promise.all(handles.map((h) => h.result()));
      expect(results).toEqual(Array.from({ length: 30 }, (_, n) => ({ n, ok: true })));
      await sender.close();
    } finally {
      await engine.close();
    }
  });

  it("keeps one watcher for a long-lived process whose runs come one after another (no watch per run)", async () => {
    const dir = tempStateDir();
    const quick = workflow("quick", async (ctx, input: { n: number }) => ctx.step("one", () => input.n), { durability: "process" });
    const store = createFileStore({ dir });
    try {
      const before = watches.calls;
      for (let n = 0; n < 20; n++) expect(await quick.run({ n }, { store })).toBe(n);
      // Adding an inotify watch walks every cached entry of inbox/, one more per run: it is done once.
      expect(watches.calls - before).toBe(1);
    } finally {
      await store.close();
    }
  });
});
