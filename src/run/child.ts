/**
 * `ctx.child(workflow, input, { key })`: a child run with its own journal, executed in this process. The
 * child's id is journaled before it starts and its result is memoized in the parent like a step result.
 */
import type { ChildOptions } from "../context.js";
import { RunCancelledError, StepFailedError, UsageError } from "../errors.js";
import type { ChildRecord, StartedRecord, StepRecord } from "../journal/records.js";
import { Unserializable, decodeValue, encodeValue } from "../journal/values.js";
import { definitionOf, type Workflow } from "../workflow.js";
import type { ActiveRun } from "./active-run.js";
import { executeRun } from "./execute.js";
import { newUlid } from "../names.js";

/** Runs or resumes a child run and returns its result. */
export async function runChild<I, O>(run: ActiveRun, workflow: Workflow<I, O>, input: I, options: ChildOptions = {}): Promise<O> {
  const definition = definitionOf(workflow);
  const key = run.state.nextKey(`$child:${definition.name}`);
  const seq = run.state.nextSeq("child", key, run.options.strict);
  const recorded = run.state.results.get(key);
  if (recorded !== undefined) return decodeValue(recorded.out) as O;
  let childRunId = run.state.children.get(key)?.childRunId;
  if (childRunId === undefined) {
    childRunId = newUlid(run.options.clock.now());
    const record = run.record<ChildRecord>({ type: "child", key, seq, childRunId, workflow: definition.name });
    const durable = run.log.appendDurable(record);
    if (durable !== undefined) await durable;
    run.state.children.set(key, record);
  }
  run.log.append(run.record<StartedRecord>({ type: "started", key, seq, kind: "child" }));
  const outcome = await executeRun({
    definition, store: run.store, input, inputGiven: false, key: options.key ?? `${run.header.runId}:${key}`,
    keyExplicit: true, newRunId: childRunId, fresh: false, onLocked: "wait", suspendable: run.suspendable,
    signal: run.signal, listeners: [], entry: run.header.entry, parent: { runId: run.header.runId, stepKey: key },
  });
  switch (outcome.status) {
    case "completed": {
      const encoded = encodeValue(outcome.result, "output");
      if (encoded instanceof Unserializable) throw new UsageError(`child run ${outcome.runId} returned ${encoded.reason} at ${encoded.path}`);
      const record = run.record<StepRecord>({ type: "step", key, seq, kind: "child", out: encoded, attempts: 1, ms: 0 });
      const durable = run.log.appendDurable(record);
      if (durable !== undefined) await durable;
      run.state.results.set(key, record);
      return outcome.result as O;
    }
    case "waiting":
      return run.suspend(outcome.wait);
    case "cancelled":
      throw new RunCancelledError(`child run ${outcome.runId} was cancelled${outcome.reason ? `: ${outcome.reason}` : ""}`);
    case "interrupted":
      throw new RunCancelledError(`child run ${outcome.runId} was interrupted (${outcome.reason})`);
    case "skipped":
      throw new UsageError(`child run of '${definition.name}' key '${outcome.key}' is locked by another process`);
    case "failed":
      throw new StepFailedError(key, 1, outcome.error);
  }
}
