/**
 * The store a workflow uses when none is given: one file store per state directory and process.
 */
import { resolveStateDir } from "../options.js";
import { createFileStore } from "./file/file-store.js";
import type { Store } from "./store.js";

const stores = new Map<string, Store>();

/** The file store for `dir` (resolved like the `dir` option), shared within the process. */
export function storeFor(dir: string | undefined): Store {
  const resolved = resolveStateDir(dir);
  let store = stores.get(resolved);
  if (store === undefined) stores.set(resolved, (store = createFileStore({ dir: resolved })));
  return store;
}
