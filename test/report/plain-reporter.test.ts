import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../src/index.js";
import { createConsoleReporter } from "../../src/report/console-reporter.js";

const base = { runId: "01JD3Q8Z9X4M2N7P5R6S8T0V1W", workflow: "w", at: 0 };

describe("the plain reporter", () => {
  it("lists the first 20 replayed steps and summarises the rest in one line", () => {
    const lines: string[] = [];
    const report = createConsoleReporter("plain", (line) => lines.push(line));
    for (let i = 1; i <= 1000; i++) report({ ...base, type: "step:replay", key: `s${i}` } as RunEvent);
    report({ ...base, type: "step:complete", key: "next", attempts: 1, ms: 3 } as RunEvent);
    expect(lines).toHaveLength(22);
    expect(lines[0]).toBe("  ↺ s1 (replayed)");
    expect(lines[19]).toBe("  ↺ s20 (replayed)");
    expect(lines[20]).toBe("  ↺ … and 980 more recorded steps replayed");
    expect(lines[21]).toBe("  ✓ next 3ms");
  });

  it("lists every replay of a short run", () => {
    const lines: string[] = [];
    const report = createConsoleReporter("plain", (line) => lines.push(line));
    for (let i = 1; i <= 4; i++) report({ ...base, type: "step:replay", key: `s${i}` } as RunEvent);
    report({ ...base, type: "run:complete", result: null, ms: 5 } as RunEvent);
    expect(lines.slice(0, 4)).toEqual(["  ↺ s1 (replayed)", "  ↺ s2 (replayed)", "  ↺ s3 (replayed)", "  ↺ s4 (replayed)"]);
    expect(lines[4]).toContain("completed");
  });
});
