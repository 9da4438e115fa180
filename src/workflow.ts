/**
 * `workflow(name, fn, options)`: the definition users write, with `.run()` for programs and `.main()` for scripts.
 */
import { runMain } from "./main/main.js";
import type { WorkflowContext } from "./context.js";
import { currentEntry } from "./main/entry.js";
import type { MainOptions } from "./main/main-options.js";
import type { RunOptions, WorkflowOptions } from "./options.js";
import { executeRun } from "./run/execute.js";
import { resultOf } from "./run/outcome.js";
import { createFork, type ForkOptions } from "./run/fork.js";
import { storeFor } from "./store/default-store.js";
import { defineWorkflow, type WorkflowDefinition } from "./workflow-definition.js";

const DEFINITION = Symbol.for("steplog.workflow.definition");

/**
 * A durable workflow.
 *
 * @example
 * ```ts
 * const greet = workflow("greet", async (ctx, input: { name: string }) => {
 *   const text = await ctx.step("compose", () => `hello ${input.name}`);
 *   return { text };
 * });
 * await greet.main();                                  // as a script: `node greet.mjs --input '{"name":"ada"}'`
 * const out = await greet.run({ name: "ada" }, { key: "ada" }); // from code
 * ```
 */
export interface Workflow<I = unknown, O = unknown> {
  /** The workflow's name (also its directory under `runs/`). */
  readonly name: string;
  /**
   * Runs the workflow and returns its result. With `key`, a completed run for that key returns its recorded
   * result without executing anything, and an unfinished one is resumed. Waits happen in memory.
   * Throws the workflow's error (a `StepFailedError` for a step that failed for good).
   */
  run(input: I, options?: RunOptions): Promise<O>;
  /**
   * The script entry: when the calling file is the process's entry point, parses the command line
   * (`--input`, `--key`, `--run-id`, `--fresh`, `--dir`, `--json`, `--log`), starts or resumes the run, prints the
   * result and exits with the code of DESIGN 10. When the file is only imported, does nothing.
   */
  main(options?: MainOptions): Promise<void>;
  /**
   * Starts a new run that reuses the recorded results of run `runId` before `fromStep` and executes from that
   * step on (the later steps run again), and returns its result.
   */
  fork(runId: string, options: ForkOptions & Pick<RunOptions, "dir" | "store" | "signal">): Promise<O>;
}

/**
 * Defines a durable workflow.
 *
 * @example
 * ```ts
 * import { workflow } from "steplog";
 * export const sync = workflow("sync", async (ctx, input: { url: string }) => {
 *   const page = await ctx.step("fetch", ({ signal }) => fetch(input.url, { signal }).then((r) => r.text()));
 *   return { length: page.length };
 * });
 * await sync.main();
 * ```
 */
export function workflow<I = unknown, O = unknown>(
  name: string,
  fn: (ctx: WorkflowContext, input: I) => Promise<O> | O,
  options: WorkflowOptions = {},
): Workflow<I, Awaited<O>> {
  const definition = defineWorkflow(name, fn, options);
  const wf: Workflow<I, Awaited<O>> & { [DEFINITION]: WorkflowDefinition } = {
    name,
    [DEFINITION]: definition,
    run: (input, runOptions = {}) => runProgrammatic(definition, input, runOptions) as Promise<Awaited<O>>,
    fork: (runId, forkOptions) => forkRun(definition, runId, forkOptions) as Promise<Awaited<O>>,
    main: async (mainOptions = {}) => {
      await runMain(definition, mainOptions);
    },
  };
  return wf;
}

/** The definition behind a Workflow object (for child runs, the engine and the CLI). */
export function definitionOf(wf: Workflow<never, unknown> | Workflow<unknown, unknown>): WorkflowDefinition {
  const definition = (wf as unknown as Record<symbol, WorkflowDefinition | undefined>)[DEFINITION];
  if (definition === undefined) throw new TypeError("expected a workflow created by workflow(name, fn)");
  return definition;
}

async function forkRun(definition: WorkflowDefinition, runId: string, options: ForkOptions & Pick<RunOptions, "dir" | "store" | "signal">): Promise<unknown> {
  const store = options.store ?? definition.userOptions.store ?? storeFor(options.dir ?? definition.userOptions.dir);
  const newRunId = await createFork(store, definition, runId, options);
  return runProgrammatic(definition, undefined, { runId: newRunId, store, ...(options.signal ? { signal: options.signal } : {}) }, false);
}

async function runProgrammatic(definition: WorkflowDefinition, input: unknown, options: RunOptions, inputGiven = true): Promise<unknown> {
  const store = options.store ?? definition.userOptions.store ?? storeFor(options.dir ?? definition.userOptions.dir);
  const outcome = await executeRun({
    definition, store, input, inputGiven, key: options.key, keyExplicit: options.key !== undefined,
    ...(options.runId !== undefined ? { runId: options.runId } : {}),
    fresh: options.fresh ?? false, onLocked: options.onLocked ?? "wait", suspendable: false,
    ...(options.signal ? { signal: options.signal } : {}),
    listeners: definition.userOptions.onEvent ? [definition.userOptions.onEvent] : [], entry: currentEntry(),
  });
  return resultOf(outcome);
}
