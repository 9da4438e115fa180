/**
 * Fault class 8, hostile input and a local attacker: path traversal through CLI arguments and main() flags,
 * journal lines crafted with `__proto__` / `constructor` keys, symbolic links planted in the state directory,
 * a state directory other users can write to, and 10 KB names. An escape is any file created or changed
 * outside the state directory, a followed link, or a polluted prototype.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { workflow, type WorkflowContext } from "../../src/index.js";
import { frameLine } from "../../src/journal/codec.js";
import { cli } from "../cli/helpers.js";
import { testHeader } from "../helpers/journal-lines.js";
import { onlyJournal, snapshotTree } from "../helpers/state-files.js";
import { removeTempDirs, tempDir } from "../helpers/temp-dir.js";
import { recordFigure, runSteps } from "./harness.js";

afterAll(removeTempDirs);

const LONG = "n".repeat(10_240);
const TRAVERSALS = ["../../../../escape", "/tmp/steplog-escape", "..", "a/../../../../escape", "./../escape", "%2e%2e%2fescape", "runs/../../escape", LONG];

/** A state directory four levels below a root the test watches, holding one unfinished run. */
async function watchedState(): Promise<{ root: string; stateDir: string; runId: string }> {
  const root = tempDir("hostile");
  const stateDir = path.join(root, "a", "b", "c", "state");
  const made = await runSteps(["--key", "k"], { stateDir, env: { STEPS: "3", STOP_AFTER: "2" } });
  expect(made.code, made.stderr).toBe(20);
  return { root, stateDir, runId: path.basename(onlyJournal(stateDir, "faults"), ".jsonl") };
}

/** Paths outside the state directory that appeared, vanished or changed. */
function escapes(root: string, stateDir: string, before: ReturnType<typeof snapshotTree>): string[] {
  const rel = path.relative(root, stateDir);
  const after = snapshotTree(root) ?? {};
  const outside = (p: string) => p !== rel && !p.startsWith(`${rel}/`);
  const changed = Object.keys({ ...before, ...after }).filter((p) => outside(p) && JSON.stringify(before?.[p]) !== JSON.stringify(after[p]));
  if (fs.existsSync("/tmp/steplog-escape")) changed.push("/tmp/steplog-escape");
  return changed;
}

describe("hostile input and a local attacker", () => {
  it("path traversal through every CLI argument and main() flag", async () => {
    const { root, stateDir, runId } = await watchedState();
    const commands = (v: string): string[][] => [
      ["list", "--workflow", v], ["status", v], ["inspect", v], ["logs", v], ["send", v, "approve"], ["send", runId, v],
      ["cancel", v], ["resume", v], ["fork", v, "--from", "step-1"], ["fork", runId, "--from", v], ["dlq", "show", v],
      ["dlq", "redrive", v], ["dlq", "purge", v], ["unlock", v], ["unlock", "faults", "--key", v],
      ["gc", "--older-than", "0s", "--workflow", v], ["check", v, "--workflow", v],
    ];
    let attempts = 0;
    const escaped: string[] = [];
    for (const value of TRAVERSALS) {
      const before = snapshotTree(root);
      for (const args of commands(value)) {
        attempts++;
        await cli([...args, "--dir", stateDir]);
      }
      for (const flags of [["--key", value], ["--run-id", value], ["--input", `@${value}`]]) {
        attempts++;
        await runSteps(flags, { stateDir, env: { STEPS: "3" } });
      }
      escaped.push(...escapes(root, stateDir, before));
    }
    recordFigure({ fault: "8 hostile: path traversal (CLI and main flags)", figures: { attempts, escapes: escaped.length }, criterion: "0 escapes", pass: escaped.length === 0 });
    expect(escaped).toEqual([]);
  });

  it("symbolic links planted in the state directory are refused, their targets untouched", async () => {
    const plants = ["runs", "locks", "inbox", "runs/faults", "runs/faults/keys", "runs/faults/index.jsonl", "runs/faults/keys/k.jsonl", "dlq.jsonl", "JOURNAL"];
    let escaped = 0;
    let refused = 0;
    for (const plant of plants) {
      const { root, stateDir } = await watchedState();
      const rel = plant === "JOURNAL" ? path.relative(stateDir, onlyJournal(stateDir, "faults")) : plant;
      const victim = path.join(root, "victim");
      const planted = path.join(stateDir, rel);
      if (fs.existsSync(planted)) fs.renameSync(planted, victim);
      else if (plant.endsWith(".jsonl")) fs.writeFileSync(victim, "");
      else fs.mkdirSync(victim);
      fs.symlinkSync(victim, planted);
      const before = snapshotTree(victim);
      const result = await runSteps(["--key", "k"], { stateDir, env: { STEPS: "3" } });
      if (result.code === 60 && /symbolic link/.test(result.stderr)) refused++;
      if (JSON.stringify(snapshotTree(victim)) !== JSON.stringify(before)) {
        escaped++;
        console.log(`[faults] planted ${plant} was followed: exit ${result.code}: ${result.stderr}`);
      }
    }
    recordFigure({ fault: "8 hostile: planted symbolic links", figures: { links: plants.length, "refused with exit 60": refused, "left alone (never written)": plants.length - refused - escaped, escapes: escaped }, criterion: "0 escapes", pass: escaped === 0 });
    expect(escaped).toBe(0);
    expect(refused).toBeGreaterThanOrEqual(plants.length - 1);
  });

  it("a state directory other users can write to is refused (exit 60); a group-writable one is allowed", async () => {
    const outcomes: Record<string, number | null> = {};
    for (const [what, mode] of [["world-writable", 0o777], ["world-writable, sticky", 0o1777], ["group-writable", 0o770]] as const) {
      const stateDir = path.join(tempDir("perm"), "state");
      fs.mkdirSync(stateDir);
      fs.chmodSync(stateDir, mode);
      const result = await runSteps(["--key", "k"], { stateDir, env: { STEPS: "2" } });
      outcomes[what] = result.code;
      if (mode & 0o002) expect(result.stderr).toContain("is writable by every user");
      expect(fs.existsSync(path.join(stateDir, "runs", "faults")), what).toBe(result.code === 0);
    }
    recordFigure({ fault: "8 hostile: unsafe state directory permissions", figures: Object.fromEntries(Object.entries(outcomes).map(([k, v]) => [`${k} exit`, v ?? -1])), criterion: "others-writable refused (60)", pass: outcomes["world-writable"] === 60 && outcomes["world-writable, sticky"] === 60 && outcomes["group-writable"] === 0 });
    expect(outcomes).toEqual({ "world-writable": 60, "world-writable, sticky": 60, "group-writable": 0 });
  });

  it("journal lines crafted with __proto__ and constructor keys change no prototype", async () => {
    const crafted = [
      { json: JSON.parse('{"__proto__":{"polluted":"yes"},"a":1}') as unknown },
      { json: JSON.parse('{"constructor":{"prototype":{"polluted":"yes"}}}') as unknown },
      { json: { a: { b: 1 } }, meta: { values: { "__proto__.polluted": ["Date"], "constructor.prototype.polluted": ["set"] } } },
      { json: { x: [] }, meta: { values: { x: ["set"] }, referentialEqualities: { x: ["__proto__.polluted", "constructor.prototype.polluted"] } } },
    ];
    let polluted = 0;
    let runs = 0;
    for (const out of crafted) {
      const dir = path.join(tempDir("proto"), "state");
      const runId = "01JD3Q8Z9X4M2N7P5R6S8T0V1W";
      const header = { ...testHeader({ workflow: "proto", key: "proto", runId }), ...(JSON.parse('{"__proto__":{"polluted":"yes"}}') as object) };
      const records = [header, { type: "started", key: "s", seq: 1, kind: "step", epoch: 1, at: 1 }, { type: "step", key: "s", seq: 1, kind: "step", out, attempts: 1, ms: 0, epoch: 1, at: 1 }];
      let crc = 0;
      let text = "";
      crc = 0;
      for (const r of records) {
        const framed = frameLine(JSON.stringify(r), crc);
        text += framed.line;
        crc = framed.crc;
      }
      fs.mkdirSync(path.join(dir, "runs", "proto"), { recursive: true, mode: 0o700 });
      fs.writeFileSync(path.join(dir, "runs", "proto", `${runId}.jsonl`), text, { mode: 0o600 });
      const wf = workflow("proto", async (ctx: WorkflowContext) => ctx.step("s", () => "fresh"), { durability: "process" });
      runs++;
      await wf.run(undefined, { runId, dir }).catch(() => undefined);
      const probe = {} as Record<string, unknown>;
      if (probe.polluted !== undefined || (Object.prototype as Record<string, unknown>).polluted !== undefined) polluted++;
    }
    recordFigure({ fault: "8 hostile: __proto__ / constructor in journal lines", figures: { "crafted journals": runs, "polluted prototypes": polluted }, criterion: "0", pass: polluted === 0 });
    expect(polluted).toBe(0);
  });

  it("10 KB names are refused before anything is written", async () => {
    const stateDir = path.join(tempDir("long"), "state");
    const results: Record<string, string> = {};
    const key = await runSteps(["--key", LONG], { stateDir, env: { STEPS: "2" } });
    results["main --key"] = String(key.code);
    const step = await runSteps([], { stateDir, env: { STEP_NAMES: LONG } });
    results["step name"] = String(step.code);
    let workflowName = "accepted";
    try {
      workflow(LONG, async () => 1);
    } catch (error) {
      workflowName = (error as Error).name;
    }
    results["workflow name"] = workflowName;
    const event = await cli(["send", "01JD3Q8Z9X4M2N7P5R6S8T0V1W", LONG, "--dir", stateDir]);
    results["send event name"] = String(event.code);
    const runsDir = path.join(stateDir, "runs", "faults");
    const journals = fs.existsSync(runsDir) ? fs.readdirSync(runsDir).filter((f) => f.endsWith(".jsonl") && f !== "index.jsonl") : [];
    recordFigure({ fault: "8 hostile: 10 KB names", figures: { ...results, "journals with a long name": journals.filter((f) => f.length > 255).length }, criterion: "refused (10), 0 escapes", pass: key.code === 10 && workflowName === "UsageError" && event.code === 10 });
    expect(key.code).toBe(10);
    expect(workflowName).toBe("UsageError");
    expect(event.code).toBe(10);
    expect([10, 20, 30]).toContain(step.code);
  });
});
