/**
 * Starts test/fixtures/postgres/worker.ts in a child process and follows its JSON-line messages.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import * as readline from "node:readline";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const fixture = path.join(repoRoot, "test/fixtures/postgres/worker.ts");

/** A message of the worker fixture. */
export interface WorkerMessage {
  event: "ready" | "outcome";
  pid?: number;
  runId?: string;
  status?: string;
  error?: string;
}

/** A running worker fixture. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly messages: WorkerMessage[];
  /** Resolves with the first message (kept or future) that matches. */
  next(match: (message: WorkerMessage) => boolean): Promise<WorkerMessage>;
  readonly exited: Promise<number | string>;
}

/**
 * Starts a worker process.
 *
 * @example
 * ```ts
 * const worker = startWorker({ url, schema, leaseMs: 1000, executions, concurrency: 20, stepMs: 0 });
 * await worker.next((m) => m.event === "ready");
 * ```
 */
export function startWorker(options: { url: string; schema: string; leaseMs: number; executions: string; concurrency: number; stepMs: number }): WorkerProcess {
  const args = ["--import", "tsx", fixture, options.url, options.schema, String(options.leaseMs), options.executions, String(options.concurrency), String(options.stepMs)];
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"] });
  const messages: WorkerMessage[] = [];
  const waiters = new Set<() => void>();
  readline.createInterface({ input: child.stdout! }).on("line", (line) => {
    messages.push(JSON.parse(line) as WorkerMessage);
    for (const wake of [...waiters]) wake();
  });
  const exited = new Promise<number | string>((resolve) => {
    child.on("close", (code, signal) => {
      for (const wake of [...waiters]) wake();
      resolve(code ?? signal ?? "unknown");
    });
  });
  let ended = false;
  void exited.then(() => (ended = true));
  return {
    child, pid: child.pid!, messages, exited,
    next(match) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(match);
          if (found) {
            waiters.delete(check);
            resolve(found);
          } else if (ended) {
            waiters.delete(check);
            reject(new Error(`worker ${child.pid} exited without the expected message`));
          }
        };
        waiters.add(check);
        check();
      });
    },
  };
}
