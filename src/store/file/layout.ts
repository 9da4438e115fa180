/**
 * Where the file store keeps things, and the safe creation of its directories (0700, no symlinks).
 *
 *   <dir>/runs/<workflow>/<runId>.jsonl     one journal per run
 *   <dir>/runs/<workflow>/index.jsonl       one line per run state change (list)
 *   <dir>/runs/<workflow>/keys/<key>.jsonl  one line per run state change of that key (resume lookup)
 *   <dir>/inbox/<runId>/                    events and cancellation requests delivered to a run
 *   <dir>/locks/                            one lock per (workflow, key)
 *   <dir>/dlq.jsonl, <dir>/breakers.json
 */
import { fs, path } from "../../builtins.js";
import type { Stats } from "node:fs";
import { PersistenceError, messageOf } from "../../errors.js";
import { checkRunId, checkWorkflowName, keyFileName } from "../../names.js";

/** Paths of one state directory. */
export class Layout {
  readonly root: string;
  constructor(dir: string) {
    this.root = path.resolve(dir);
  }
  get runsDir(): string {
    return path.join(this.root, "runs");
  }
  workflowDir(workflow: string): string {
    return path.join(this.runsDir, checkWorkflowName(workflow));
  }
  journal(workflow: string, runId: string): string {
    return path.join(this.workflowDir(workflow), `${checkRunId(runId)}.jsonl`);
  }
  workflowIndex(workflow: string): string {
    return path.join(this.workflowDir(workflow), "index.jsonl");
  }
  keysDir(workflow: string): string {
    return path.join(this.workflowDir(workflow), "keys");
  }
  keyIndex(workflow: string, key: string): string {
    return path.join(this.keysDir(workflow), `${keyFileName(key)}.jsonl`);
  }
  inboxDir(runId: string): string {
    return path.join(this.root, "inbox", checkRunId(runId));
  }
  get locksDir(): string {
    return path.join(this.root, "locks");
  }
  lockName(workflow: string, key: string): string {
    return `${checkWorkflowName(workflow)}@${keyFileName(key)}`;
  }
  get dlqFile(): string {
    return path.join(this.root, "dlq.jsonl");
  }
  get breakersFile(): string {
    return path.join(this.root, "breakers.json");
  }
}

const made = new Set<string>();

/**
 * Creates `dir` and its missing parents with mode 0700; refuses a path inside the state directory that is a
 * symbolic link. Cached per process, so the hot path pays for it once.
 */
export function ensureDir(dir: string, root: string): void {
  if (made.has(dir)) return;
  const rel = path.relative(root, dir);
  if (rel.startsWith("..") || path.isAbsolute(rel)) throw new PersistenceError(`${dir} is outside the state directory ${root}`);
  let current = root;
  mkdirSafe(current, true);
  for (const part of rel === "" ? [] : rel.split(path.sep)) {
    current = path.join(current, part);
    mkdirSafe(current, false);
  }
  made.add(dir);
}

/** Removes `dir` if it is empty (so that a later `ensureDir` creates it again); returns whether it did. */
export function removeEmptyDir(dir: string): boolean {
  try {
    fs.rmdirSync(dir);
  } catch {
    return false;
  }
  made.delete(dir);
  return true;
}

function mkdirSafe(dir: string, isRoot: boolean): void {
  try {
    fs.mkdirSync(dir, { mode: 0o700, recursive: isRoot });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
      throw new PersistenceError(`cannot create ${dir}: ${messageOf(error)}`, { cause: error });
    }
  }
  const stat = fs.lstatSync(dir);
  if (stat.isSymbolicLink() && !isRoot) {
    throw new PersistenceError(`${dir} is a symbolic link; steplog refuses to follow links inside its state directory`);
  }
  const target = isRoot && stat.isSymbolicLink() ? fs.statSync(dir) : stat;
  if (!target.isDirectory()) throw new PersistenceError(`${dir} exists and is not a directory`);
  checkNotShared(dir, target);
}

/**
 * Refuses a directory another local user could write into (owned by another user, or writable by every user):
 * that user could plant journals or links in it. A group-writable directory is allowed (a shared group).
 */
function checkNotShared(dir: string, stat: Stats): void {
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) {
    throw new PersistenceError(`${dir} belongs to another user (uid ${stat.uid}; this process runs as uid ${uid}); steplog refuses a state directory another user controls. Use a directory of your own`);
  }
  if ((stat.mode & 0o002) !== 0) {
    throw new PersistenceError(`${dir} is writable by every user (mode ${(stat.mode & 0o7777).toString(8)}); another user could plant journals or links in it. Fix it with: chmod o-w ${dir}`);
  }
}

/** Writes a small file atomically (temp file + rename), mode 0600, refusing to replace a symlink. */
export function writeFileAtomic(file: string, data: string, durable: boolean): void {
  try {
    if (fs.lstatSync(file).isSymbolicLink()) throw new PersistenceError(`${file} is a symbolic link; steplog refuses to replace it`);
  } catch (error) {
    if (error instanceof PersistenceError) throw error;
  }
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
    try {
      fs.writeFileSync(fd, data);
      if (durable) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (error) {
    try {
      fs.unlinkSync(tmp);
    } catch {
      // the temp file was not created or is already renamed
    }
    if (error instanceof PersistenceError) throw error;
    throw new PersistenceError(`cannot write ${file}: ${messageOf(error)}`, { cause: error });
  }
}
