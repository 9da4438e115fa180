import { expect, it } from "vitest";
import { runNode, ROOT } from "../fixtures/docs/run.js";
import * as path from "node:path";

it("npm run demo: the process is killed after step 4, the rerun replays what was recorded and runs the rest once", async () => {
  const ran = await runNode([path.join(ROOT, "examples/crash-and-resume/demo.mjs")]);
  expect(ran.code).toBe(0);
  expect(ran.stdout).toMatch(/>>> kill -9 \d+ \(simulating a crash after 4 steps\)/);
  expect(ran.stdout).toContain("the process died (SIGKILL)");
  const [firstRun, secondRun] = ran.stdout.split("Same command again");
  const done = (text: string) => [...text.matchAll(/✓ batch (\d+) /g)].map((m) => Number(m[1]));
  const replayed = [...secondRun!.matchAll(/↺ batch (\d+) \(replayed\)/g)].map((m) => Number(m[1]));
  expect(done(firstRun!).slice(0, 4)).toEqual([1, 2, 3, 4]);
  expect(replayed.length).toBeGreaterThanOrEqual(4);
  expect(replayed).toEqual(done(firstRun!).slice(0, replayed.length));
  const rerun = done(secondRun!);
  expect([...replayed, ...rerun].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  expect(ran.stdout).toMatch(/"rows": 5500/);
  expect(ran.stdout).not.toContain("\x1b[");
});
