import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CLI, ROOT, cli, flow, json, removeTemps, runIds, tempDir } from "./helpers.js";

afterAll(removeTemps);

const COMMANDS = ["init", "list", "status", "inspect", "logs", "send", "cancel", "resume", "dlq", "unlock", "check", "gc"];

describe("help", () => {
  it.each(COMMANDS)("%s --help shows usage, examples and the environment", async (name) => {
    const result = await cli([name, "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Usage: steplog ${name}`);
    expect(result.stdout).toContain("Examples:");
    expect(result.stdout).toContain("STEPLOG_DIR");
    expect(result.stdout).toContain("--json");
  });

  it("steplog alone prints the command list and exits 10", async () => {
    const result = await cli([]);
    expect(result.code).toBe(10);
    for (const name of COMMANDS) expect(result.stdout).toContain(`  ${name} `);
  });
});

describe("init", () => {
  it("lists the package's templates, copies one, and refuses to overwrite", async () => {
    const cwd = tempDir();
    const templates = fs.readdirSync(path.join(ROOT, "templates"));
    const listed = json<Record<string, string[]>>(await cli(["init", "--list", "--json"], { cwd }));
    expect(Object.values(listed).flat().sort()).toEqual([...templates].sort());
    const name = Object.keys(listed)[0]!;
    const created = await cli(["init", "--template", name], { cwd });
    expect(created.code).toBe(0);
    for (const file of listed[name]!) expect(fs.readFileSync(path.join(cwd, file))).toEqual(fs.readFileSync(path.join(ROOT, "templates", file)));
    const first = listed[name]![0]!;
    fs.writeFileSync(path.join(cwd, first), "mine");
    const again = await cli(["init", "--template", name], { cwd });
    expect(again.code).toBe(10);
    expect(again.stderr).toContain(`refusing to overwrite ${path.join(cwd, first)}`);
    expect(fs.readFileSync(path.join(cwd, first), "utf8")).toBe("mine");
    expect((await cli(["init", "--template", "../etc"], { cwd })).code).toBe(10);
  });
});

describe("output", () => {
  it("logs prints one readable line per record, and JSON lines with --json", async () => {
    const dir = path.join(tempDir(), "state");
    expect((await flow("steps", dir)).code).toBe(0);
    const [id] = await runIds(dir, "steps");
    const text = await cli(["logs", id!, "--dir", dir]);
    expect(text.stdout).toMatch(/run\s+steps key steps/);
    expect(text.stdout).toMatch(/step\s+double #2 ✓ \d+ms \(1 attempt\)/);
    expect(text.stdout).toMatch(/end\s+completed/);
    const lines = (await cli(["logs", id!, "--dir", dir, "--json"])).stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string });
    expect(lines.map((l) => l.type)).toEqual(["run", "started", "step", "started", "step", "started", "step", "end"]);
  });

  it("colors only on a terminal, and never with NO_COLOR", async () => {
    const dir = path.join(tempDir(), "state");
    expect((await flow("steps", dir)).code).toBe(0);
    const pty = (env: string) =>
      new Promise<string>((resolve) => {
        const child = spawn("script", ["-qfec", `${env} ${process.execPath} ${CLI} list --dir ${dir}`, "/dev/null"], { stdio: ["ignore", "pipe", "inherit"] });
        let out = "";
        child.stdout.on("data", (d: Buffer) => (out += d.toString()));
        child.once("close", () => resolve(out));
      });
    expect(await pty("")).toContain("\x1b[32mcompleted\x1b[39m");
    const plain = await pty("NO_COLOR=1");
    expect(plain).toContain("completed");
    expect(plain).not.toContain("\x1b[");
  });
});
