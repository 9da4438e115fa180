import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, flow, hashTree, removeTemps, runIds, tempDir } from "./helpers.js";

let dir: string;
let waiting: string;

beforeAll(async () => {
  dir = path.join(tempDir(), "state");
  expect((await flow("approval", dir)).code).toBe(40);
  [waiting] = (await runIds(dir, "approval")) as [string];
});

afterAll(removeTemps);

const LONG = "A".repeat(10_240);
const HOSTILE: [string, string[]][] = [
  ["inspect ../", ["inspect", "../../../etc/passwd"]],
  ["status absolute", ["status", "/etc/passwd"]],
  ["logs long", ["logs", LONG]],
  ["resume dotdot", ["resume", ".."]],
  ["send run id", ["send", "../runs/approval", "approve"]],
  ["send long event", ["send", "01M80GWEABYZCCVAN4R2MQC1XG", LONG]],
  ["cancel lowercase id", ["cancel", "01m80gweabyzccvan4r2mqc1xg"]],
  ["list workflow path", ["list", "--workflow", "../../etc"]],
  ["unlock workflow path", ["unlock", "../locks"]],
  ["unlock absolute workflow", ["unlock", "/tmp/x"]],
  ["unlock long key", ["unlock", "approval", "--key", LONG]],
  ["dlq show path", ["dlq", "show", "../dlq.jsonl"]],
  ["dlq redrive long", ["dlq", "redrive", LONG]],
  ["gc workflow path", ["gc", "--older-than", "0s", "--workflow", "../x"]],
  ["unknown flag", ["list", "--delete-everything"]],
  ["unknown command", ["rm", "-rf"]],
];

describe("hostile input", () => {
  it.each(HOSTILE)("%s is refused with exit 10 and the state directory unchanged", async (_name, args) => {
    const before = hashTree(dir);
    const result = await cli([...args, "--dir", dir]);
    expect(result.code).toBe(10);
    expect(result.stderr).toMatch(/^steplog: /);
    expect(hashTree(dir)).toEqual(before);
  });

  it("an unknown run id says so and how to find ids, touching nothing", async () => {
    const before = hashTree(dir);
    const unknown = waiting.slice(0, 25) + (waiting.endsWith("0") ? "1" : "0");
    for (const command of ["inspect", "status", "logs", "resume", "cancel"]) {
      const result = await cli([command, unknown, "--dir", dir]);
      expect(result.code).toBe(10);
      expect(result.stderr).toContain(`unknown run id ${unknown}`);
      expect(result.stderr).toContain(`steplog list --dir ${dir}`);
    }
    const send = await cli(["send", unknown, "approve", "--dir", dir]);
    expect(send.code).toBe(10);
    expect(hashTree(dir)).toEqual(before);
    expect(fs.existsSync(path.join(dir, "inbox", unknown))).toBe(false);
  });

  it("a corrupt journal is a persistence error (exit 60)", async () => {
    const copy = path.join(tempDir(), "state");
    fs.cpSync(dir, copy, { recursive: true });
    const journal = path.join(copy, "runs", "approval", `${waiting}.jsonl`);
    const lines = fs.readFileSync(journal, "utf8").split("\n");
    lines[1] = lines[1]!.replace('"draft"', '"DRAFT"');
    fs.writeFileSync(journal, lines.join("\n"));
    const result = await cli(["inspect", waiting, "--dir", copy]);
    expect(result.code).toBe(60);
    expect(result.stderr).toContain(journal);
  });
});
