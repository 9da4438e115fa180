/**
 * Importing a user's workflow module (`check --module`, `worker --module`) and collecting the workflows it
 * exports. Importing runs the module's top level, but a `main()` in it does not run: the entry script is the CLI.
 */
import { path, pathToFileURL } from "../builtins.js";
import { UsageError, messageOf } from "../errors.js";
import { definitionOf, type Workflow } from "../workflow.js";
import type { WorkflowDefinition } from "../workflow-definition.js";

/** One exported workflow: the object `workflow(name, fn)` returned and its definition. */
export interface ExportedWorkflow {
  workflow: Workflow<unknown, unknown>;
  definition: WorkflowDefinition;
}

/**
 * The workflows `modulePath` exports, by name; a UsageError (exit 10) when it cannot be imported or exports none.
 *
 * @example
 * ```ts
 * const workflows = await loadWorkflows("./workflows.mjs");
 * console.log([...workflows.keys()]); // ["nightly-report", "billing"]
 * ```
 */
export async function loadWorkflows(modulePath: string): Promise<Map<string, ExportedWorkflow>> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path.resolve(modulePath)).href)) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`cannot import --module ${modulePath}: ${messageOf(error)}`);
  }
  const out = new Map<string, ExportedWorkflow>();
  for (const value of Object.values(mod)) {
    if (value === null || typeof value !== "object") continue;
    try {
      const workflow = value as Workflow<unknown, unknown>;
      const definition = definitionOf(workflow);
      out.set(definition.name, { workflow, definition });
    } catch {
      // not a workflow
    }
  }
  if (out.size === 0) throw new UsageError(`${modulePath} exports no workflow (export the value workflow(name, fn) returns)`);
  return out;
}
