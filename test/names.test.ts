import { describe, expect, it } from "vitest";
import { checkRunId, checkStepKey, checkStepName, keyFileName, newUlid } from "../src/names.js";
import { UsageError } from "../src/index.js";

describe("ids and names", () => {
  it("makes ULIDs that sort in the order they were made, even within one millisecond", () => {
    const at = Date.now();
    const ids = Array.from({ length: 1000 }, () => newUlid(at));
    expect(new Set(ids).size).toBe(1000);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(checkRunId(id)).toBe(id);
  });

  it("gives ids of different milliseconds fresh random parts, spread over the whole alphabet", () => {
    const start = Date.now();
    const random = Array.from({ length: 2000 }, (_, i) => newUlid(start + i * 1000).slice(10));
    expect(new Set(random).size).toBe(random.length);
    const firstChars = new Map<string, number>();
    for (const r of random) firstChars.set(r[0]!, (firstChars.get(r[0]!) ?? 0) + 1);
    // 32 characters, about 62 each: a generator that repeats or skews leaves some far below that.
    expect(firstChars.size).toBe(32);
    for (const count of firstChars.values()) expect(count).toBeGreaterThan(20);
  });

  it("refuses names that would collide with generated keys or escape a directory", () => {
    expect(() => checkStepName("store#2")).toThrow(UsageError);
    expect(() => checkStepName("$now")).toThrow(UsageError);
    expect(checkStepName("issue #12 triage")).toBe("issue #12 triage");
    expect(checkStepKey("store#2")).toBe("store#2");
    expect(() => checkRunId("../../etc/passwd")).toThrow(UsageError);
    expect(keyFileName("2026-11-22")).toBe("2026-11-22");
    expect(keyFileName("../x")).toMatch(/^~[0-9a-f]{40}$/);
    expect(keyFileName(".hidden")).toMatch(/^~[0-9a-f]{40}$/);
  });
});
