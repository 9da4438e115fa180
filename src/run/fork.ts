/**
 * Fork: a new run that reuses the recorded results of an existing run before a given step and executes from
 * there (DBOS "fork", Inngest "rerun from step"). The copied records are written into the new run's journal
 * before it starts, so the new run is an ordinary run that resumes.
 */
import { hostname } from "node:os";
import { ulid } from "ulid";
import { UsageError } from "../errors.js";
import type { JournalRecord, RunHeader } from "../journal/records.js";
import type { Store } from "../store/store.js";
import type { WorkflowDefinition } from "../workflow-definition.js";
import { currentEntry } from "../main/entry.js";

/** Options of `wf.fork()`. */
export interface ForkOptions {
  /** The first step to execute again; results of calls before it are reused. */
  fromStep: string;
  /** The new run's key. @default the source run's key */
  key?: string;
}

/** Creates the forked run's journal and returns its id (execute it with `--run-id` / `executeRun`). */
export async function createFork(store: Store, definition: WorkflowDefinition, sourceRunId: string, options: ForkOptions): Promise<string> {
  const source = await store.loadRun(sourceRunId);
  if (source.header.workflow !== definition.name) {
    throw new UsageError(`run ${sourceRunId} belongs to workflow '${source.header.workflow}', not '${definition.name}'`);
  }
  const cut = firstSeqOf(source.records, options.fromStep);
  if (cut === undefined) {
    const known = [...new Set(source.records.filter((r) => r.type === "step" || r.type === "started").map((r) => (r as { key: string }).key))];
    throw new UsageError(`run ${sourceRunId} has no step '${options.fromStep}'; its steps are: ${known.slice(0, 20).join(", ") || "(none)"}`);
  }
  const runId = ulid(definition.options.clock.now());
  const now = definition.options.clock.now();
  const header: RunHeader = {
    v: 1, type: "run", runId, workflow: definition.name, key: options.key ?? source.header.key, input: source.header.input,
    codeHash: definition.codeHash, entry: currentEntry(), host: hostname(), pid: process.pid, startedAt: now,
    forkOf: { runId: sourceRunId, fromStep: options.fromStep },
  };
  const log = await store.createRun(header, { durability: definition.options.durability, epoch: 0 });
  try {
    for (const record of reusedRecords(source.records, cut)) log.append({ ...record, epoch: 0, at: now } as JournalRecord);
    await log.flush();
  } finally {
    await log.close();
  }
  return runId;
}

function firstSeqOf(records: readonly JournalRecord[], key: string): number | undefined {
  for (const r of records) if ("seq" in r && "key" in r && r.key === key) return r.seq;
  return undefined;
}

/** The records before the cut that make a replay return the same values: results (with their starts) and waits. */
function reusedRecords(records: readonly JournalRecord[], cut: number): JournalRecord[] {
  const out: { seq: number; rank: number; record: JournalRecord }[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    if (!("seq" in r) || r.seq >= cut || r.type === "started" || r.type === "step-failed") continue;
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
