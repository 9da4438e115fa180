/**
 * The workflows an engine knows by name: `start(name, …)` and `resumeAll()` look definitions up here.
 */
import { UsageError } from "../errors.js";
import { definitionOf, type Workflow } from "../workflow.js";
import type { WorkflowDefinition } from "../workflow-definition.js";

/**
 * Workflow definitions by name; one definition per name.
 *
 * @example
 * ```ts
 * const registry = new WorkflowRegistry();
 * registry.add(approval);
 * const definition = registry.get("approval");
 * ```
 */
export class WorkflowRegistry {
  readonly #byName = new Map<string, WorkflowDefinition>();

  /** Registers a workflow; a different workflow under a registered name is refused. */
  add(workflow: Workflow<never, unknown>): WorkflowDefinition {
    const definition = definitionOf(workflow);
    const known = this.#byName.get(definition.name);
    if (known !== undefined && known !== definition) {
      throw new UsageError(`another workflow named '${definition.name}' is already registered with this engine`);
    }
    this.#byName.set(definition.name, definition);
    return definition;
  }

  /** Registers the workflow when its name is free; returns its definition either way. */
  use(workflow: Workflow<never, unknown>): WorkflowDefinition {
    const definition = definitionOf(workflow);
    if (!this.#byName.has(definition.name)) this.#byName.set(definition.name, definition);
    return definition;
  }

  /** The registered definition of `name`; throws UsageError for an unknown name. */
  get(name: string): WorkflowDefinition {
    const definition = this.#byName.get(name);
    if (definition === undefined) {
      throw new UsageError(`no workflow named '${name}' is registered with this engine; pass it to createEngine({ workflows }) or engine.register()`);
    }
    return definition;
  }

  names(): string[] {
    return [...this.#byName.keys()];
  }
}
