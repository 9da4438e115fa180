/**
 * A workflow as the engine sees it: name, function, resolved options and the hash of its source.
 */
import type { WorkflowContext } from "./context.js";
import { checkWorkflowName } from "./names.js";
import { resolveWorkflowOptions, type ResolvedWorkflowOptions, type WorkflowOptions } from "./options.js";
import { sha256Hex } from "./sha256.js";

/** A workflow function. */
export type WorkflowFunction<I, O> = (ctx: WorkflowContext, input: I) => Promise<O> | O;

/** The engine's view of a workflow. */
export interface WorkflowDefinition {
  readonly name: string;
  readonly fn: WorkflowFunction<unknown, unknown>;
  readonly userOptions: WorkflowOptions;
  readonly options: ResolvedWorkflowOptions;
  /** Hash of the function's source: a resumed run whose hash changed gets a warning. */
  readonly codeHash: string;
}

/** Validates and resolves a workflow definition. */
export function defineWorkflow<I, O>(name: string, fn: WorkflowFunction<I, O>, options: WorkflowOptions): WorkflowDefinition {
  checkWorkflowName(name);
  if (typeof fn !== "function") throw new TypeError(`workflow('${name}', fn): fn must be a function`);
  return {
    name,
    fn: fn as WorkflowFunction<unknown, unknown>,
    userOptions: options,
    options: resolveWorkflowOptions(options),
    codeHash: sha256Hex(fn.toString()).slice(0, 16),
  };
}
