/**
 * Test doubles for the policy tests: a manual clock, scripted randomness, an in-memory BreakerStore and an env.
 */
import type { Clock, RandomSource } from "../../src/clock.js";
import { BreakerRegistry } from "../../src/policies/breaker.js";
import type { AttemptFailure, PolicyEnv } from "../../src/policies/compose.js";
import type { BreakerState, BreakerStore } from "../../src/store/store.js";

interface Sleeper {
  at: number;
  resolve: () => void;
}

/**
 * A clock that only moves when told. With `autoAdvance`, every sleep moves time forward by its duration and
 * resolves at once (for retry loops); otherwise sleeps wait for `advance`.
 */
export class ManualClock implements Clock {
  readonly sleeps: number[] = [];
  #now: number;
  #sleepers = new Set<Sleeper>();

  constructor(
    start = Date.UTC(2025, 0, 1),
    readonly autoAdvance = false,
  ) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  get pendingSleeps(): number {
    return this.#sleepers.size;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.autoAdvance) {
      this.#now += ms;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const sleeper: Sleeper = {
        at: this.#now + ms,
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.#sleepers.delete(sleeper);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#sleepers.add(sleeper);
    });
  }

  /** Moves time forward and wakes the sleepers that are due, then lets their continuations run. */
  async advance(ms: number): Promise<void> {
    this.#now += ms;
    for (const sleeper of [...this.#sleepers].sort((a, b) => a.at - b.at)) {
      if (sleeper.at > this.#now) continue;
      this.#sleepers.delete(sleeper);
      sleeper.resolve();
    }
    await settle();
  }
}

/** Lets pending promise continuations and I/O callbacks run (no timers, no wall-clock wait). */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Yields until `condition` holds; fails after a bounded number of event-loop turns. */
export async function until(condition: () => boolean, what = "condition"): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (condition()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error(`${what} never became true`);
}

/** A random source that returns `values` in turn, forever. */
export function scriptedRandom(...values: number[]): RandomSource {
  let i = 0;
  return () => values[i++ % values.length] ?? 0;
}

/** An in-memory BreakerStore that records every save. */
export class MemoryBreakerStore implements BreakerStore {
  readonly states = new Map<string, BreakerState>();
  readonly saves: { name: string; state: BreakerState }[] = [];
  /** While set, saves wait for it (a slow store). */
  gate: Promise<void> | undefined;

  async load(name: string): Promise<BreakerState | undefined> {
    const state = this.states.get(name);
    return state === undefined ? undefined : { ...state };
  }

  async save(name: string, state: BreakerState): Promise<void> {
    await this.gate;
    this.saves.push({ name, state: { ...state } });
    this.states.set(name, { ...state });
  }

  async list(): Promise<Record<string, BreakerState>> {
    return Object.fromEntries(this.states);
  }
}

/** A PolicyEnv that records failures and breaker transitions. */
export function makeEnv(overrides: Partial<PolicyEnv> & { clock: Clock }): PolicyEnv & {
  failures: AttemptFailure[];
  transitions: string[];
} {
  const failures: AttemptFailure[] = [];
  const transitions: string[] = [];
  return {
    stepKey: "step-1",
    random: () => 0.5,
    signal: new AbortController().signal,
    breakers: new BreakerRegistry(new MemoryBreakerStore(), overrides.clock),
    onAttemptFailed: (failure) => {
      failures.push(failure);
    },
    onBreakerTransition: (name, state) => {
      transitions.push(`${name}:${state}`);
    },
    ...overrides,
    failures,
    transitions,
  };
}
