import * as fs from "node:fs";
import * as path from "node:path";
import { ExitCode } from "steplog";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, runFile, tempDir } from "../fixtures/docs/run.js";

const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

interface Block {
  info: string;
  code: string;
  line: number;
}

/** The fenced code blocks of a markdown text, with their info strings. */
function codeBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== "```"; i++) body.push(lines[i]!);
    blocks.push({ info: open[1]!.trim(), code: body.join("\n") + "\n", line: start + 1 });
  }
  return blocks;
}

function attribute(info: string, name: string): string | undefined {
  return new RegExp(`(?:^|\\s)${name}=(\\S+)`).exec(info)?.[1];
}

const runnable = codeBlocks(README).filter((b) => /(?:^|\s)runnable(?:\s|$)/.test(b.info));
const cleanups: (() => void)[] = [];
afterAll(() => cleanups.forEach((c) => c()));

describe("README blocks marked runnable", () => {
  it("there are runnable blocks, each naming a file and an exit code", () => {
    expect(runnable.length).toBeGreaterThanOrEqual(2);
    for (const block of runnable) {
      expect(attribute(block.info, "file"), `block at README.md:${block.line}`).toBeDefined();
      expect(attribute(block.info, "exit"), `block at README.md:${block.line}`).toMatch(/^\d+$/);
    }
  });

  it.each(runnable.map((b) => [`${attribute(b.info, "file")} (README.md:${b.line})`, b] as const))("%s is identical to its file and runs with the documented exit code", async (_name, block) => {
    const file = attribute(block.info, "file")!;
    expect(fs.readFileSync(path.join(ROOT, file), "utf8")).toBe(block.code);
    const state = tempDir();
    cleanups.push(state.remove);
    const ran = await runFile(file, [], { env: { STEPLOG_DIR: state.dir } });
    expect(ran.code, ran.stderr).toBe(Number(attribute(block.info, "exit")));
    expect(ran.stdout.length).toBeGreaterThan(0);
  });
});

describe("README reference sections match the code", () => {
  it("the exit code table lists every code of ExitCode, and only those", () => {
    const section = README.slice(README.indexOf("## Exit codes"), README.indexOf("## Embedding API"));
    const documented = [...section.matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]));
    expect(documented).toEqual(Object.values(ExitCode).sort((a, b) => a - b));
  });

  it.each([
    ["src/options.ts", "StepOptions"],
    ["src/options.ts", "WorkflowOptions"],
    ["src/options.ts", "RunOptions"],
    ["src/policies/options.ts", "RetryOptions"],
    ["src/policies/options.ts", "BreakerOptions"],
    ["src/main/main-options.ts", "MainOptions"],
  ])("every field of %s %s has a row with its default", (file, name) => {
    const source = fs.readFileSync(path.join(ROOT, file), "utf8");
    const body = new RegExp(`export interface ${name}(?:<[^>]*>)? \\{([\\s\\S]*?)\\n\\}`).exec(source)?.[1];
    expect(body, `${name} in ${file}`).toBeDefined();
    const fields = [...body!.matchAll(/^ {2}(\w+)\??:/gm)].map((m) => m[1]!);
    expect(fields.length).toBeGreaterThan(2);
    for (const field of fields) expect(README, `${name}.${field}`).toMatch(new RegExp(`^\\| \`${field}\`[^\\n]*\\|[^\\n]*\\|[^\\n]*\\|`, "m"));
  });

  it("the CLI table lists every command of `steplog --help`", async () => {
    const help = await runFile("dist/cli/main.js", ["--help"]);
    expect(help.code).toBe(0);
    const commands = [...help.stdout.slice(help.stdout.indexOf("Commands:"), help.stdout.indexOf("Examples:")).matchAll(/^ {2}(\w+) /gm)].map((m) => m[1]!);
    expect(commands.length).toBeGreaterThan(5);
    const section = README.slice(README.indexOf("## CLI"), README.indexOf("## Exit codes"));
    for (const command of commands) expect(section, command).toMatch(new RegExp(`^\\| \`${command}[ \`]`, "m"));
  });

  it("every template is listed, and every relative link points to a file that exists", () => {
    for (const template of fs.readdirSync(path.join(ROOT, "templates"))) expect(README, template).toContain(`(templates/${template})`);
    const links = [...README.matchAll(/\]\(((?!https?:|#)[^)]+)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(10);
    for (const link of links) expect(fs.existsSync(path.join(ROOT, link)), link).toBe(true);
  });

  it("the quick start output was pasted from a real run of the demo", () => {
    const pasted = README.slice(README.indexOf("```text\n== first run"), README.indexOf("The rerun found the unfinished run"));
    const demo = fs.readFileSync(path.join(ROOT, "examples/crash-and-resume/demo.mjs"), "utf8");
    expect(pasted).toContain("simulating a crash after 4 steps");
    expect(demo).toContain("simulating a crash after ${completed} steps");
    expect(pasted).toMatch(/resumed \(4 recorded steps\)/);
    for (let i = 1; i <= 4; i++) expect(pasted).toContain(`↺ batch ${i} (replayed)`);
  });
});
