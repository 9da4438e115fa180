/**
 * One breaker registry per store and process, so that steps naming the same breaker share it across runs.
 */
import type { Clock } from "../clock.js";
import type { Store } from "../store/store.js";
import { BreakerRegistry } from "./breaker.js";

const registries = new WeakMap<Store, BreakerRegistry>();

/** The process-wide breaker registry of a store (cheap: opossum loads on the first breaker used). */
export function breakerRegistryFor(store: Store, clock: Clock): BreakerRegistry {
  let registry = registries.get(store);
  if (registry === undefined) registries.set(store, (registry = new BreakerRegistry(store.breakers, clock)));
  return registry;
}

/** Waits for the breaker state saves of a store's registry and stops its timers (before a script exits). */
export async function closeBreakers(store: Store): Promise<void> {
  const registry = registries.get(store);
  if (registry === undefined) return;
  registries.delete(store);
  await registry.close();
}
