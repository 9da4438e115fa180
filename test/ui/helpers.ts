/**
 * Helpers of the dashboard tests: `steplog ui` as a child process of the built CLI, the fixture workflow
 * scripts, and headless Chromium (Debian's package) driven by playwright-core.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const CLI = path.join(ROOT, "dist", "cli", "main.js");
export const FIXTURES = path.join(ROOT, "test", "ui", "fixtures");
export const SCREENSHOTS = path.join(ROOT, "test", "ui", "screenshots");
export const CHROMIUM = "/usr/bin/chromium";

/** Why the browser tests cannot run here, or undefined when they can. */
export const browserMissing = fs.existsSync(CHROMIUM)
  ? undefined
  : `${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium) to run the dashboard's browser tests`;

const temps: string[] = [];

/** A fresh state directory path inside a new temporary directory. */
export function tempState(): { root: string; dir: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "steplog-ui-"));
  temps.push(root);
  return { root, dir: path.join(root, "state") };
}

/** Removes the temporary directories made by {@link tempState}. */
export function removeTemps(): void {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of ["STEPLOG_DIR", "STEPLOG_DATABASE_URL", "NODE_OPTIONS", "FORCE_COLOR"]) if (!(name in extra)) delete env[name];
  return env;
}

/** A running `steplog ui`. */
export interface UiProcess {
  url: string;
  child: ChildProcess;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  stop(): Promise<number | null>;
}

/**
 * Starts `steplog ui --dir <dir> --port 0 ...extra` and waits for the address it prints.
 *
 * @example
 * ```ts
 * const ui = await startUi(dir);
 * await page.goto(ui.url);
 * ```
 */
export async function startUi(dir: string, extra: string[] = []): Promise<UiProcess> {
  const child = spawn(process.execPath, [CLI, "ui", "--dir", dir, "--port", "0", ...extra], { cwd: ROOT, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
      const found = /(http:\/\/\S+\/)/.exec(stdout);
      if (found) resolve(found[1]!);
    });
    void exited.then((code) => reject(new Error(`steplog ui exited ${code} before printing its address: ${stderr}`)));
  });
  return {
    url, child,
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}

/** How a fixture script ended. */
export interface ScriptResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs test/ui/fixtures/<name>.mjs with `--dir <dir> ...args` (and `env` added) to its end.
 *
 * @example
 * ```ts
 * expect((await runScript("charge", dir, ["--input", "{}"])).code).toBe(30);
 * ```
 */
export function runScript(name: string, dir: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<ScriptResult> {
  const child = spawn(process.execPath, [path.join(FIXTURES, `${name}.mjs`), "--dir", dir, ...args], { cwd: ROOT, env: cleanEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Launches headless Chromium from Debian's package with a fresh profile (playwright-core never downloads one).
 *
 * @example
 * ```ts
 * const browser = await launchChromium();
 * const page = await browser.newPage();
 * ```
 */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** The path of a screenshot named `name` (the directory is created). */
export function screenshotPath(name: string): string {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  return path.join(SCREENSHOTS, `${name}.png`);
}
