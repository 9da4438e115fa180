/**
 * Starts test/fixtures/lock/holder.ts in a child process and follows its JSON-line messages.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import * as readline from "node:readline";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const fixture = path.join(repoRoot, "test/fixtures/lock/holder.ts");

/** A message of the holder fixture. */
export interface HolderMessage {
  event: "ready" | "acquired" | "busy" | "released" | "lost";
  pid: number;
  epoch?: number;
  owner?: { pid: number; host: string; since: number; epoch: number } | null;
}

/** A running holder fixture. */
export interface HolderProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** The next message of one of these kinds (messages are kept, so none is missed). */
  next(...events: Array<HolderMessage["event"]>): Promise<HolderMessage>;
  send(command: "go" | "release"): void;
  /** Resolves with the exit code, or the signal name. */
  readonly exited: Promise<number | string>;
}

/**
 * Starts a holder of `name` in `lockDir`.
 *
 * @example
 * ```ts
 * const holder = startHolder(lockDir, "job", "skip");
 * await holder.next("ready");
 * holder.send("go");
 * const { epoch } = await holder.next("acquired");
 * ```
 */
export function startHolder(lockDir: string, name: string, onLocked: string, heldLog?: string): HolderProcess {
  const args = ["--import", "tsx", fixture, lockDir, name, onLocked, ...(heldLog === undefined ? [] : [heldLog])];
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ["pipe", "pipe", "inherit"] });
  const messages: HolderMessage[] = [];
  const waiters: Array<() => void> = [];
  let ended = false;
  readline.createInterface({ input: child.stdout! }).on("line", (line) => {
    messages.push(JSON.parse(line) as HolderMessage);
    for (const wake of waiters.splice(0)) wake();
  });
  const exited = new Promise<number | string>((resolve) => {
    child.on("close", (code, signal) => {
      ended = true;
      for (const wake of waiters.splice(0)) wake();
      resolve(code ?? signal ?? "unknown");
    });
  });
  const next = async (...events: Array<HolderMessage["event"]>): Promise<HolderMessage> => {
    while (true) {
      const index = messages.findIndex((message) => events.includes(message.event));
      if (index >= 0) return messages.splice(index, 1)[0]!;
      if (ended) throw new Error(`holder ${child.pid} exited without a ${events.join(" or ")} message`);
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return {
    child,
    pid: child.pid!,
    next,
    send: (command) => child.stdin!.write(`${command}\n`),
    exited,
  };
}
