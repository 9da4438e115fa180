/**
 * Fault class 2, journal damage: nine kinds of damage at random places of a real journal, each followed by a
 * resume. Every trial either resumes correctly (only a damaged tail, discarded and reported) or is refused
 * with JournalCorruptError (exit 60) naming file:line, leaving the file byte-for-byte unchanged. A resume that
 * succeeds after damage in the middle, or returns another result, is a silent mis-resume.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { JournalCorruptError, workflow, type RunEvent, type WorkflowContext } from "../../src/index.js";
import { exitCodeFor } from "../../src/exit-codes.js";
import { frameLine } from "../../src/journal/codec.js";
import { onlyJournal, splitLines } from "../helpers/state-files.js";
import { removeTempDirs, tempDir } from "../helpers/temp-dir.js";
import { recordFigure, runSeed, scale } from "./harness.js";
import { prng } from "../helpers/prng.js";

afterEach(removeTempDirs);

const STEPS = 8;
const RECORDED = 5;

/** What a damage did to the lines: the lines to write, and whether only the tail (the last line) was hit. */
interface Damaged {
  bytes: Buffer;
  /** Only the last line was cut, filled or extended without a newline: a resume must discard and report it. */
  tailOnly: boolean;
  /** For damage in the middle: the first damaged line (1-based); the refusal must name it or the next one. */
  line?: number;
}

type Damage = (lines: Buffer[], random: () => number) => Damaged[];

const int = (random: () => number, n: number) => Math.floor(random() * n);
const join = (lines: Buffer[]) => Buffer.concat(lines);

const DAMAGES: Array<{ name: string; trials: number; damage: Damage }> = [
  {
    name: "truncate the last record at every byte",
    trials: 1,
    damage: (lines) => {
      const last = lines.at(-1)!;
      const kept = lines.slice(0, -1);
      return Array.from({ length: last.length }, (_, cut) => ({ bytes: join([...kept, last.subarray(0, cut)]), tailOnly: true }));
    },
  },
  {
    name: "truncate an earlier record",
    trials: scale(10, 100),
    damage: (lines, random) => {
      const i = int(random, lines.length - 1);
      const line = lines[i]!;
      const cut = 1 + int(random, line.length - 1);
      const shortened = Buffer.concat([line.subarray(0, line.length - 1 - cut), Buffer.from("\n")]);
      return [{ bytes: join([...lines.slice(0, i), shortened, ...lines.slice(i + 1)]), tailOnly: false, line: i + 1 }];
    },
  },
  {
    name: "flip 1-8 bits in a random line",
    trials: scale(20, 200),
    damage: (lines, random) => {
      const i = int(random, lines.length);
      const line = Buffer.from(lines[i]!);
      const flips = 1 + int(random, 8);
      for (let f = 0; f < flips; f++) {
        const bit = int(random, line.length * 8);
        line[bit >> 3]! ^= 1 << (bit & 7);
      }
      // A flip in the last line's newline makes it an incomplete last line: a torn tail, discarded and reported.
      const tailOnly = i === lines.length - 1 && !line.subarray(0, -1).includes(10) && line.at(-1) !== 10;
      return [{ bytes: join([...lines.slice(0, i), line, ...lines.slice(i + 1)]), tailOnly, line: i + 1 }];
    },
  },
  {
    name: "delete a line (not the last)",
    trials: scale(10, 100),
    damage: (lines, random) => {
      const i = int(random, lines.length - 1);
      return [{ bytes: join(lines.filter((_, j) => j !== i)), tailOnly: false, line: i + 1 }];
    },
  },
  {
    name: "duplicate a line",
    trials: scale(10, 100),
    damage: (lines, random) => {
      const i = int(random, lines.length);
      return [{ bytes: join([...lines.slice(0, i + 1), lines[i]!, ...lines.slice(i + 1)]), tailOnly: false, line: i + 2 }];
    },
  },
  {
    name: "swap two lines",
    trials: scale(10, 100),
    damage: (lines, random) => {
      const i = int(random, lines.length - 1);
      const j = i + 1 + int(random, lines.length - 1 - i);
      const swapped = [...lines];
      [swapped[i], swapped[j]] = [lines[j]!, lines[i]!];
      return [{ bytes: join(swapped), tailOnly: false, line: i + 1 }];
    },
  },
  {
    name: "garbage without a newline at the end",
    trials: scale(10, 100),
    damage: (lines, random) => {
      const garbage = Buffer.from(Array.from({ length: 1 + int(random, 300) }, () => { const b = int(random, 256); return b === 10 ? 11 : b; }));
      return [{ bytes: join([...lines, garbage]), tailOnly: true }];
    },
  },
  {
    name: "a NUL-filled tail",
    trials: scale(10, 100),
    damage: (lines, random) => {
      // As after a power loss on some file systems: the file grew but the last bytes never reached the disk.
      const bytes = Buffer.from(join(lines));
      const zeroed = 1 + int(random, lines.at(-1)!.length);
      bytes.fill(0, bytes.length - zeroed);
      return [{ bytes: Buffer.concat([bytes, Buffer.alloc(int(random, 4096))]), tailOnly: true }];
    },
  },
  {
    name: "a wrong version",
    trials: 1,
    damage: (lines) =>
      [0, 2, 999, "1", null, -1, 1.5].map((v) => {
        const header = JSON.parse(lines[0]!.toString("utf8").replace(/^\{"crc":"[0-9a-f]{8}",/, "{")) as Record<string, unknown>;
        return { bytes: join([Buffer.from(frameLine(JSON.stringify({ ...header, v }), 0).line), ...lines.slice(1)]), tailOnly: false, line: 1 };
      }),
  },
];

describe("journal damage: resumed, refused with exit 60 naming file:line, or a silent mis-resume", () => {
  it("nine kinds of damage", async () => {
    const seed = runSeed();
    const random = prng(seed);
    const root = tempDir("damage");
    const executed: string[] = [];
    const warnings: string[] = [];
    let stopAfter: number | undefined = RECORDED;
    const wf = workflow("damage", async (ctx: WorkflowContext, input: { n: number }) => {
      const out: string[] = [];
      for (let i = 1; i <= STEPS; i++) {
        out.push(await ctx.step(`s${i}`, () => (executed.push(`s${i}`), `${input.n}-${i}-${"x".repeat(i)}`)));
        if (i === stopAfter) throw new Error("stopped");
      }
      return out;
    }, { durability: "process", retry: false, onEvent: (e: RunEvent) => void (e.type === "run:warning" && warnings.push(e.message)) });

    // The template: a run failed after RECORDED steps (resumable), and the result of an uninterrupted run.
    const template = path.join(root, "template");
    await expect(wf.run({ n: 7 }, { key: "k", dir: template })).rejects.toThrow("stopped");
    stopAfter = undefined;
    const expected = await wf.run({ n: 7 }, { key: "clean", dir: path.join(root, "clean") });
    const journal = onlyJournal(template, "damage");
    const runId = path.basename(journal, ".jsonl");
    // Keep the header and the step records (drop the failed end), so the last line is the last step's record.
    const lines = splitLines(fs.readFileSync(journal)).filter((l) => !l.includes('"type":"end"'));
    fs.writeFileSync(journal, join(lines));

    let trialNo = 0;
    for (const { name, trials, damage } of DAMAGES) {
      const tally = { trials: 0, resumed: 0, refused: 0, "silent mis-resumes": 0, "appended after a refusal": 0, other: 0 };
      for (let t = 0; t < trials; t++) {
        for (const d of damage(lines, random)) {
          tally.trials++;
          const dir = path.join(root, `trial-${trialNo++}`);
          fs.cpSync(template, dir, { recursive: true });
          const file = path.join(dir, path.relative(template, journal));
          fs.writeFileSync(file, d.bytes);
          executed.length = 0;
          warnings.length = 0;
          let result: unknown;
          let error: unknown;
          try {
            result = await wf.run({ n: 7 }, { runId, dir });
          } catch (e) {
            error = e;
          }
          if (error === undefined) {
            const intact = d.bytes.subarray(0, join(lines).length).equals(join(lines)) ? RECORDED : RECORDED - 1;
            const rerunRecorded = executed.some((s) => Number(s.slice(1)) <= intact);
            const discarded = d.bytes.at(-1) !== 10;
            const ok = d.tailOnly && JSON.stringify(result) === JSON.stringify(expected) && !rerunRecorded && (!discarded || warnings.length === 1);
            if (ok) tally.resumed++;
            else {
              tally["silent mis-resumes"]++;
              console.log(`[faults] silent mis-resume (${name}): executed ${executed.join(",")}, warnings ${warnings.join(" | ")}`);
            }
          } else if (error instanceof JournalCorruptError && exitCodeFor(error, false) === 60 && !d.tailOnly) {
            const named = new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:(\\d+)`).exec(error.message);
            const at = Number(named?.[1]);
            if (named && at >= (d.line ?? 1) && at <= (d.line ?? 1) + 1) tally.refused++;
            else {
              tally.other++;
              console.log(`[faults] refusal (${name}) names the wrong place (expected line ${d.line}): ${error.message}`);
            }
            if (!fs.readFileSync(file).equals(d.bytes) || executed.length > 0) tally["appended after a refusal"]++;
          } else {
            tally.other++;
            console.log(`[faults] unexpected outcome (${name}): ${String(error)}`);
          }
          fs.rmSync(dir, { recursive: true, force: true });
        }
      }
      recordFigure({
        fault: `2 journal damage: ${name}`,
        figures: tally,
        criterion: "0 silent mis-resumes, nothing appended after a refusal",
        pass: tally["silent mis-resumes"] === 0 && tally["appended after a refusal"] === 0 && tally.other === 0,
        seed,
      });
      expect(tally["silent mis-resumes"], name).toBe(0);
      expect(tally["appended after a refusal"], name).toBe(0);
      expect(tally.other, name).toBe(0);
    }
  });
});
