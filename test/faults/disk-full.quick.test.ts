/**
 * Fault class 5, disk full: the state directory on a small tmpfs, filled so that the n-th page the run needs is
 * missing (n = 1..k): at the start (lock, index, header) or in the middle of the journal. The run stops with
 * exit 60 and the journal stays readable; a rerun while the disk is still full stops the same way; once space
 * is back the run resumes to the uninterrupted result. A step failing for good on a full disk (so that its
 * records and its DLQ entry cannot be written) still reports the step's own error.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { journalFiles, readRecords } from "../helpers/state-files.js";
import { removeTempDirs, tempDir } from "../helpers/temp-dir.js";
import { recordFigure, runSteps, scale } from "./harness.js";

const mounts: string[] = [];

afterEach(() => {
  for (const mnt of mounts.splice(0)) execFileSync("umount", [mnt]);
  removeTempDirs();
});

/** Mounts a tmpfs of `bytes` at a fresh directory; undefined where mounting is not permitted. */
function smallDisk(bytes: number): string | undefined {
  const mnt = path.join(tempDir("disk"), "mnt");
  fs.mkdirSync(mnt);
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${bytes},mode=0700`, "tmpfs", mnt], { stdio: "ignore" });
  } catch {
    return undefined;
  }
  mounts.push(mnt);
  return mnt;
}

/** Leaves `pages` pages of 4 KiB free on the file system of `dir`. */
function leaveFree(dir: string, pages: number): string {
  const filler = path.join(dir, "filler");
  const { bavail, bsize } = fs.statfsSync(dir);
  fs.writeFileSync(filler, Buffer.alloc(Math.max(0, bavail * bsize - pages * 4096)));
  return filler;
}

const canMount = smallDisk(64 * 1024) !== undefined;
if (!canMount) console.log("[faults] 5 disk full: skipped, mounting a tmpfs is not permitted here (it needs root)");

describe.skipIf(!canMount)("disk full (tmpfs)", () => {
  it(`the n-th page missing, n = 1..${scale(8, 24)}: exit 60, no mid-file corruption, resumable once space is back`, async () => {
    const pagesList = Array.from({ length: scale(8, 24) }, (_, i) => i + 1);
    const tally = { trials: 0, "exit 60": 0, "completed (it fit)": 0, "mid-file corruption": 0, "first error reported": 0, "resumed once space was back": 0, "still 60 while full": 0 };
    const clean = await runSteps(["--key", "df"], { stateDir: path.join(tempDir("df-clean"), "state"), env: { STEPS: "150", DURABILITY: "process" } });
    for (const pages of pagesList) {
      for (const durability of ["fsync", "process"]) {
        const mnt = smallDisk(512 * 1024)!;
        const stateDir = path.join(mnt, "state");
        const env = { STEPS: "150", DURABILITY: durability };
        const filler = leaveFree(mnt, pages);
        tally.trials++;
        const first = await runSteps(["--key", "df"], { stateDir, env });
        if (first.code === 0) tally["completed (it fit)"]++;
        else {
          expect(first.code, first.stderr).toBe(60);
          tally["exit 60"]++;
          if (/no space left|ENOSPC/i.test(first.stderr)) tally["first error reported"]++;
          else console.log(`[faults] ${pages} pages free (${durability}): ${first.stderr}`);
          const again = await runSteps(["--key", "df"], { stateDir, env });
          if (again.code === 60) tally["still 60 while full"]++;
          else console.log(`[faults] rerun on a full disk exited ${again.code}: ${again.stderr}`);
        }
        for (const journal of journalFiles(stateDir, "faults")) {
          try {
            readRecords(journal);
          } catch (error) {
            tally["mid-file corruption"]++;
            console.log(`[faults] ${pages} pages free (${durability}): ${(error as Error).message}`);
          }
        }
        fs.rmSync(filler);
        if (first.code !== 0) {
          const resumed = await runSteps(["--key", "df"], { stateDir, env });
          if (resumed.code === 0 && resumed.stdout === clean.stdout) tally["resumed once space was back"]++;
          else console.log(`[faults] ${pages} pages free (${durability}): resume exited ${resumed.code}: ${resumed.stderr}`);
        }
        execFileSync("umount", [mounts.pop()!]);
      }
    }
    const failed = tally["exit 60"];
    recordFigure({
      fault: "5 disk full (tmpfs, n-th page missing)",
      figures: tally,
      criterion: "no mid-file corruption, exit 60, resumable once space is back",
      pass: tally["mid-file corruption"] === 0 && tally["resumed once space was back"] === failed && tally["first error reported"] === failed && tally["still 60 while full"] === failed,
    });
    expect(failed).toBeGreaterThan(0);
    expect(tally["mid-file corruption"]).toBe(0);
    expect(tally["first error reported"]).toBe(failed);
    expect(tally["still 60 while full"]).toBe(failed);
    expect(tally["resumed once space was back"]).toBe(failed);
  });

  it("a step failing for good on a full disk: its own error is reported, not hidden by the failed journal or DLQ writes", async () => {
    const mnt = smallDisk(512 * 1024)!;
    const stateDir = path.join(mnt, "state");
    const filler = path.join(mnt, "filler");
    const env = { STEPS: "6", DURABILITY: "fsync", FILL_AT: "3", FILL_FILE: filler, FAIL_AT: "3" };
    const first = await runSteps(["--key", "dlq", "--json"], { stateDir, env });
    const envelope = JSON.parse(first.stdout) as { exitCode: number; error?: { message: string } };
    const stepErrorShown = first.stderr.includes("step 3 refuses") || (envelope.error?.message ?? "").includes("step 3 refuses");
    const diskErrorShown = /no space left|ENOSPC/i.test(first.stderr + first.stdout);
    let readable = true;
    try {
      for (const journal of journalFiles(stateDir, "faults")) readRecords(journal);
    } catch {
      readable = false;
    }
    fs.rmSync(filler);
    const again = await runSteps(["--key", "dlq"], { stateDir, env: { ...env, FILL_AT: "0" } });
    recordFigure({
      fault: "5 disk full during a step failing for good",
      figures: { "exit code": first.code ?? -1, "step error reported": stepErrorShown ? "yes" : "no", "disk error reported": diskErrorShown ? "yes" : "no", "journal readable": readable ? "yes" : "no", "rerun once space is back": again.code ?? -1 },
      criterion: "the step's error is not hidden, journal readable",
      pass: stepErrorShown && readable,
    });
    expect(readable).toBe(true);
    expect(stepErrorShown).toBe(true);
    expect([30, 60]).toContain(first.code);
  });
});
