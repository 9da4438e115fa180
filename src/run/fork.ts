/**
 * Fork: a new run that reuses the recorded results of an existing run before a given step and executes from
 * there (DBOS "fork", Inngest "rerun from step"). The copied records are written into the new run's journal
 * before it starts, so the new run is an ordinary run that resumes.
 */
import { os } from "../builtins.js";
import { UsageError } from "../errors.js";
import type { EntryPoint, JournalRecord, RunHeader } from "../journal/records.js";
import type { Durability } from "../journal/writer.js";
import type { Store } from "../store/store.js";
import type { WorkflowDefinition } from "../workflow-definition.js";
import { currentEntry } from "../main/entry.js";
import { newUlid } from "../names.js";

/**
 * Options of `wf.fork()`: give `fromStep` (that step and every later call execute again) or `steps` (only
 * those steps execute again; every other recorded result is reused, as when redriving one dead-lettered item).
 */
export type ForkOptions = ({ fromStep: string; steps?: undefined } | { steps: string[]; fromStep?: undefined }) & {
  /** The new run's key. @default the source run's key */
  key?: string;
};

/**
 * What a fork takes from the workflow it will run under. Every field defaults to the source run's own
 * (its code hash and entry script) or to the file store's defaults, so a fork needs no workflow code.
 *
 * @example
 * ```ts
 * const target: ForkTarget = { name: "nightly", codeHash: definition.codeHash, durability: "fsync" };
 * ```
 */
export interface ForkTarget {
  /** The workflow the source run must belong to. @default the source run's workflow */
  name?: string;
  /** @default the source run's code hash */
  codeHash?: string;
  /** @default "fsync" */
  durability?: Durability;
  /** @default Date.now */
  now?: () => number;
  /** The script that runs the fork (`steplog resume` re-runs it). @default the source run's entry */
  entry?: EntryPoint;
}

/**
 * Creates the forked run's journal and returns its id (execute it with `--run-id` / `executeRun`).
 *
 * @example
 * ```ts
 * const runId = await createFork(store, definitionOf(nightly), "01JD3Q8Z9X4M2N7P5R6S8T0V1W", { fromStep: "publish" });
 * ```
 */
export async function createFork(store: Store, definition: WorkflowDefinition, sourceRunId: string, options: ForkOptions): Promise<string> {
  const target: ForkTarget = {
    name: definition.name, codeHash: definition.codeHash, durability: definition.options.durability,
    now: () => definition.options.clock.now(), entry: currentEntry(),
  };
  return (await forkStoredRun(store, sourceRunId, options, target)).runId;
}

/**
 * Creates a forked run from what the store holds (for `steplog fork`, which has no workflow code) and returns
 * its header.
 *
 * @example
 * ```ts
 * const { runId, entry } = await forkStoredRun(store, "01JD3Q8Z9X4M2N7P5R6S8T0V1W", { fromStep: "publish" });
 * ```
 */
export async function forkStoredRun(store: Store, sourceRunId: string, options: ForkOptions, target: ForkTarget = {}): Promise<RunHeader> {
  const source = await store.loadRun(sourceRunId);
  const name = target.name ?? source.header.workflow;
  if (source.header.workflow !== name) {
    throw new UsageError(`run ${sourceRunId} belongs to workflow '${source.header.workflow}', not '${name}'`);
  }
  const wanted = options.steps ?? [options.fromStep];
  if (wanted.length === 0 || (options.steps !== undefined && options.fromStep !== undefined)) {
    throw new UsageError("fork needs either fromStep (one step) or steps (a non-empty list), not both");
  }
  for (const key of wanted) {
    if (firstSeqOf(source.records, key) === undefined) {
      const known = [...new Set(source.records.filter((r) => r.type === "step" || r.type === "started").map((r) => (r as { key: string }).key))];
      throw new UsageError(`run ${sourceRunId} has no step '${key}'; its steps are: ${known.slice(0, 20).join(", ") || "(none)"}`);
    }
  }
  const cut = options.fromStep === undefined ? Number.POSITIVE_INFINITY : firstSeqOf(source.records, options.fromStep)!;
  const rerun = new Set(wanted);
  const now = (target.now ?? Date.now)();
  const runId = newUlid(now);
  const header: RunHeader = {
    v: 1, type: "run", runId, workflow: name, key: options.key ?? source.header.key, input: source.header.input,
    codeHash: target.codeHash ?? source.header.codeHash, entry: target.entry ?? source.header.entry, host: os.hostname(),
    pid: process.pid, startedAt: now,
    forkOf: options.steps === undefined ? { runId: sourceRunId, fromStep: options.fromStep } : { runId: sourceRunId, steps: options.steps },
  };
  const log = await store.createRun(header, { durability: target.durability ?? "fsync", epoch: 0 });
  try {
    for (const record of reusedRecords(source.records, cut, rerun)) log.append({ ...record, epoch: 0, at: now } as JournalRecord);
    await log.flush();
  } finally {
    await log.close();
  }
  return header;
}

function firstSeqOf(records: readonly JournalRecord[], key: string): number | undefined {
  for (const r of records) if ("seq" in r && "key" in r && r.key === key) return r.seq;
  return undefined;
}

/**
 * The records before the cut, except those of the steps to run again, that make a replay return the same
 * values: results (with their starts) and waits.
 */
function reusedRecords(records: readonly JournalRecord[], cut: number, rerun: ReadonlySet<string>): JournalRecord[] {
  const out: { seq: number; rank: number; record: JournalRecord }[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    if (!("seq" in r) || r.seq >= cut || r.type === "started" || r.type === "step-failed") continue;
    if ("key" in r && rerun.has(r.key)) continue;
    const id = `${r.type}:${"key" in r ? r.key : ""}`;
    if (seen.has(id)) continue;
    seen.add(id);
    if (r.type === "step" && (r.kind === "step" || r.kind === "child")) {
      out.push({ seq: r.seq, rank: 0, record: { type: "started", key: r.key, seq: r.seq, kind: r.kind, epoch: 0, at: 0 } });
    }
    out.push({ seq: r.seq, rank: 1, record: r });
  }
  return out.sort((a, b) => a.seq - b.seq || a.rank - b.rank).map((x) => x.record);
}
