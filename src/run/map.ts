/**
 * `ctx.map`: one step per item (keys `name[0]`, `name[1]`, …) with bounded concurrency. Call numbers are
 * assigned up front in item order, so strict mode sees the same order whatever finishes first.
 */
import type { MapOptions, MapResult, StepContext } from "../context.js";
import { StepFailedError, UsageError } from "../errors.js";
import { storeError } from "../journal/values.js";
import { checkStepName } from "../names.js";
import type { ActiveRun } from "./active-run.js";
import { runKeyedStep } from "./step.js";

/** Runs `fn` for every item as a step. */
export async function mapItems<T, R>(
  run: ActiveRun, name: string, items: readonly T[],
  fn: (item: T, index: number, step: StepContext) => R | Promise<R>, options: MapOptions<Awaited<R>> = {},
): Promise<MapResult<Awaited<R>>> {
  checkStepName(name);
  if (!Array.isArray(items)) throw new UsageError(`ctx.map('${name}', items): items must be an array`);
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`Expected \`concurrency\` to be a positive integer, got ${String(options.concurrency)}`);
  const base = run.state.nextKey(name);
  const keys = items.map((_, i) => `${base}[${i}]`);
  const seqs = keys.map((key) => {
    run.state.reached.add(key);
    return run.state.nextSeq("step", key, run.options.strict);
  });
  const results: (Awaited<R> | undefined)[] = new Array(items.length).fill(undefined);
  const failed: MapResult<Awaited<R>>["failed"] = [];
  let next = 0;
  let firstError: unknown;
  const worker = async () => {
    while (next < items.length && firstError === undefined) {
      const i = next++;
      try {
        results[i] = await runKeyedStep(run, keys[i]!, "step", (step) => fn(items[i]!, i, step), options, seqs[i]);
      } catch (error) {
        if (options.continueOnError && error instanceof StepFailedError) {
          const cause = storeError(error.cause);
          failed.push({ index: i, key: keys[i]!, error: cause.code === undefined ? { name: cause.name, message: cause.message } : { name: cause.name, message: cause.message, code: cause.code } });
        }
        else firstError ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (firstError !== undefined) throw firstError;
  failed.sort((a, b) => a.index - b.index);
  return { results, failed };
}
