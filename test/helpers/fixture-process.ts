/**
 * Child processes running the workflow scripts of test/fixtures/core/ against the built package (dist/).
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The path of a fixture script in test/fixtures/core/. */
export function fixturePath(name: string): string {
  return path.join(repoRoot, "test/fixtures/core", name);
}

/** How a fixture process ended. */
export interface FixtureExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A started fixture process. */
export interface FixtureProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<FixtureExit>;
  /** True once the process has exited. */
  readonly done: boolean;
}

/** Options of {@link startFixture}. */
export interface FixtureOptions {
  /** The state directory, passed as STEPLOG_DIR. */
  stateDir: string;
  /** Extra environment variables for the fixture. */
  env?: Record<string, string | undefined>;
}

/**
 * Starts `node test/fixtures/core/<name> ...args` with STEPLOG_DIR set.
 *
 * @example
 * ```ts
 * const proc = startFixture("chain.mjs", ["--input", "{}"], { stateDir, env: { STEPS: "5" } });
 * const { code } = await proc.exited;
 * ```
 */
export function startFixture(name: string, args: string[], options: FixtureOptions): FixtureProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, STEPLOG_DIR: options.stateDir };
  delete env.NODE_OPTIONS;
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const child = spawn(process.execPath, [fixturePath(name), ...args], { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const proc = {
    child,
    done: false,
    exited: new Promise<FixtureExit>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code, signal) => {
        proc.done = true;
        resolve({ code, signal, stdout, stderr });
      });
    }),
  };
  return proc;
}

/**
 * Runs a fixture to its end.
 *
 * @example
 * ```ts
 * const { code, stdout } = await runFixture("chain.mjs", [], { stateDir });
 * ```
 */
export function runFixture(name: string, args: string[], options: FixtureOptions): Promise<FixtureExit> {
  return startFixture(name, args, options).exited;
}
