import type { ChildOptions, MapOptions, MapResult, StepContext, WaitForEventOptions, WorkflowContext } from "./context.js";
import type { StepOptions } from "./options.js";
import type { ActiveRun } from "./run/active-run.js";
import { runChild } from "./run/child.js";
import { mapItems } from "./run/map.js";
import { runStep } from "./run/step.js";
import { journaledNow, journaledRandom, journaledUuid, patched } from "./run/values.js";
import { sleep, sleepUntil, waitForEvent } from "./run/waits.js";
import type { Workflow } from "./workflow.js";

/** The WorkflowContext given to a workflow function: a thin facade over the run in progress. */
export class RunContext implements WorkflowContext {
  constructor(private readonly run: ActiveRun) {}

  get runId(): string {
    return this.run.header.runId;
  }
  get workflow(): string {
    return this.run.header.workflow;
  }
  get key(): string {
    return this.run.header.key;
  }

  step<T>(name: string, fn: (step: StepContext) => T | Promise<T>, options?: StepOptions<Awaited<T>>): Promise<Awaited<T>> {
    return runStep(this.run, name, fn, options);
  }
  sleep(name: string, ms: number): Promise<void> {
    return sleep(this.run, name, ms);
  }
  sleepUntil(name: string, until: Date | number): Promise<void> {
    return sleepUntil(this.run, name, () => (until instanceof Date ? until.getTime() : until));
  }
  waitForEvent<T = unknown>(name: string, options?: WaitForEventOptions<T>): Promise<T> {
    return waitForEvent(this.run, name, options);
  }
  now(): Promise<number> {
    return journaledNow(this.run);
  }
  random(): Promise<number> {
    return journaledRandom(this.run);
  }
  uuid(): Promise<string> {
    return journaledUuid(this.run);
  }
  patched(id: string): Promise<boolean> {
    return patched(this.run, id);
  }
  child<I, O>(workflow: Workflow<I, O>, input: I, options?: ChildOptions): Promise<O> {
    return runChild(this.run, workflow, input, options);
  }
  map<T, R>(name: string, items: readonly T[], fn: (item: T, index: number, step: StepContext) => R | Promise<R>, options?: MapOptions<Awaited<R>>): Promise<MapResult<Awaited<R>>> {
    return mapItems(this.run, name, items, fn, options);
  }
}
