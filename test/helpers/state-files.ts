/**
 * Reading a file store's state directory in tests: its journals and a snapshot of every file and mode.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseJournal } from "../../src/journal/reader.js";
import type { JournalRecord, RunHeader } from "../../src/journal/records.js";

/**
 * The journal files (`runs/<workflow>/<runId>.jsonl`) of a state directory, oldest run first.
 *
 * @example
 * ```ts
 * const [journal] = journalFiles(stateDir, "chain");
 * ```
 */
export function journalFiles(stateDir: string, workflow: string): string[] {
  const dir = path.join(stateDir, "runs", workflow);
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((name) => /^[0-9A-Z]{26}\.jsonl$/.test(name)).sort().map((name) => path.join(dir, name));
}

/** The only journal of a workflow; fails when there is not exactly one. */
export function onlyJournal(stateDir: string, workflow: string): string {
  const files = journalFiles(stateDir, workflow);
  if (files.length !== 1) throw new Error(`expected one journal of '${workflow}' in ${stateDir}, found ${files.length}`);
  return files[0]!;
}

/**
 * Reads and verifies a journal with the production reader.
 *
 * @example
 * ```ts
 * const { records } = readRecords(journal);
 * ```
 */
export function readRecords(file: string): { header: RunHeader; records: JournalRecord[]; tornTail?: { line: number; bytes: number } } {
  return parseJournal(file, fs.readFileSync(file));
}

/** Keys of steps with a recorded result, and of steps started without one (in doubt), in a journal. */
export function stepStates(file: string): { recorded: Set<string>; inDoubt: Set<string> } {
  const { records } = readRecords(file);
  const recorded = new Set<string>();
  const started = new Set<string>();
  for (const r of records) {
    if (r.type === "step") recorded.add(r.key);
    if (r.type === "started") started.add(r.key);
  }
  return { recorded, inDoubt: new Set([...started].filter((k) => !recorded.has(k))) };
}

/** The lines of a file with their newlines, for cutting and editing journals. */
export function splitLines(bytes: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, start)) {
    lines.push(bytes.subarray(start, i + 1));
    start = i + 1;
  }
  if (start < bytes.length) lines.push(bytes.subarray(start));
  return lines;
}

/** One entry of {@link snapshotTree}. */
export interface TreeEntry {
  kind: "dir" | "file" | "symlink";
  mode: number;
  content?: string;
}

/**
 * Every path under `dir` with its kind, permission bits and (for files) content, or undefined when `dir` does
 * not exist. Two equal snapshots mean nothing was created, removed, appended or changed.
 *
 * @example
 * ```ts
 * const before = snapshotTree(stateDir);
 * // ... run something that must not write
 * expect(snapshotTree(stateDir)).toEqual(before);
 * ```
 */
export function snapshotTree(dir: string): Record<string, TreeEntry> | undefined {
  if (!fs.existsSync(dir)) return undefined;
  const out: Record<string, TreeEntry> = {};
  const visit = (abs: string, rel: string) => {
    const stat = fs.lstatSync(abs);
    const mode = stat.mode & 0o777;
    if (stat.isSymbolicLink()) out[rel] = { kind: "symlink", mode };
    else if (stat.isDirectory()) {
      out[rel] = { kind: "dir", mode };
      for (const name of fs.readdirSync(abs).sort()) visit(path.join(abs, name), rel === "" ? name : `${rel}/${name}`);
    } else out[rel] = { kind: "file", mode, content: fs.readFileSync(abs).toString("base64") };
  };
  visit(dir, "");
  return out;
}
