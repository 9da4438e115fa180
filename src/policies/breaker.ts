/**
 * Named circuit breakers (opossum), one per name per process, with their state persisted in a BreakerStore.
 * opossum decides when a circuit opens (error rate over its rolling window) and runs the half-open trial;
 * the injected clock alone decides when an open circuit may half-open (opossum's own reset timer is set to
 * the longest timer Node.js allows and is unref'd, so it never fires first and never holds the process).
 */
import type CircuitBreaker from "opossum";
import type { Clock } from "../clock.js";
import { CircuitOpenError, StepResultNotSerializableError, TerminalError } from "../errors.js";
import type { BreakerState, BreakerStore } from "../store/store.js";
import { MAX_TIMER_MS, type BreakerOptions } from "./options.js";

/**
 * A resolved breaker policy: every field of {@link BreakerOptions} set.
 *
 * @example
 * ```ts
 * const policy: BreakerPolicy = { name: "payments", resetAfterMs: 30_000, volumeThreshold: 5, errorThresholdPercentage: 50, rollingWindowMs: 60_000 };
 * ```
 */
export type BreakerPolicy = Required<BreakerOptions>;

/**
 * A change of a breaker's state, as reported to listeners.
 *
 * @example
 * ```ts
 * const onTransition = (name: string, state: BreakerTransition) => console.log(`breaker ${name}: ${state}`);
 * ```
 */
export type BreakerTransition = "open" | "half-open" | "close";

/**
 * Options of {@link BreakerRegistry}.
 *
 * @example
 * ```ts
 * new BreakerRegistry(store.breakers, systemClock, { onSaveError: (name, e) => log.warn({ name, e }) });
 * ```
 */
export interface BreakerRegistryOptions {
  /** Called when persisting a breaker's state fails; the call itself goes on. @default process.emitWarning */
  onSaveError?: (name: string, error: unknown) => void;
}

type Attempt = () => Promise<unknown>;
type Opossum = CircuitBreaker<[Attempt], unknown>;
/** opossum 9 accepts an initial `state`, which @types/opossum (v8) does not declare. */
type OpossumOptions = CircuitBreaker.Options<[Attempt]> & { state?: { closed: boolean; halfOpen: boolean } };

/**
 * opossum's class, once loaded. Kept here rather than passed to {@link Breaker}'s constructor, so that no
 * declaration steplog publishes names opossum's types (@types/opossum is not one of steplog's dependencies).
 */
let OpossumClass: typeof CircuitBreaker | undefined;
let opossumModule: Promise<void> | undefined;
const loadOpossum = (): Promise<void> => (opossumModule ??= import("opossum").then((m) => void (OpossumClass = m.default)));

/**
 * The breakers of a process, by name. Loads a breaker's state from the store on its first use, so a new process
 * starts with a circuit that is still open; opossum itself is loaded on the first use of any breaker.
 *
 * @example
 * ```ts
 * const breakers = new BreakerRegistry(store.breakers, systemClock);
 * const breaker = await breakers.get(resolveStepPolicy({ breaker: "payments" }, undefined).breaker!);
 * await breaker.call(() => charge(order));
 * ```
 */
export class BreakerRegistry {
  readonly #breakers = new Map<string, Promise<Breaker>>();

  constructor(
    private readonly store: BreakerStore,
    private readonly clock: Clock,
    private readonly options: BreakerRegistryOptions = {},
  ) {}

  /**
   * The breaker named `policy.name`, created with `policy` on first use (later policies for the name are
   * ignored). If loading its state fails, the promise rejects and the next call loads again.
   */
  get(policy: BreakerPolicy): Promise<Breaker> {
    const existing = this.#breakers.get(policy.name);
    if (existing !== undefined) return existing;
    const onSaveError = this.options.onSaveError ?? warnSaveFailed;
    const created = Promise.all([loadOpossum(), this.store.load(policy.name)]).then(
      ([, saved]) => new Breaker(policy, saved, this.store, this.clock, onSaveError),
    );
    this.#breakers.set(policy.name, created);
    created.catch(() => {
      if (this.#breakers.get(policy.name) === created) this.#breakers.delete(policy.name);
    });
    return created;
  }

  /** Waits for pending state saves and stops every breaker's statistics timers. */
  async close(): Promise<void> {
    const breakers = await Promise.allSettled(this.#breakers.values());
    this.#breakers.clear();
    for (const result of breakers) if (result.status === "fulfilled") await result.value.shutdown();
  }
}

/**
 * One named circuit breaker. Obtained from {@link BreakerRegistry.get}.
 *
 * @example
 * ```ts
 * const value = await breaker.call(() => fetchRates(), (name, state) => console.log(name, state));
 * ```
 */
export class Breaker {
  #opossum: Opossum;
  #state: BreakerState;
  #saving: Promise<void> = Promise.resolve();
  readonly #transitions: BreakerTransition[] = [];

  readonly #Opossum: typeof CircuitBreaker;

  /** @internal Use {@link BreakerRegistry.get} (which loads opossum first). */
  constructor(
    private readonly policy: BreakerPolicy,
    saved: BreakerState | undefined,
    private readonly store: BreakerStore,
    private readonly clock: Clock,
    private readonly onSaveError: (name: string, error: unknown) => void,
  ) {
    if (OpossumClass === undefined) throw new Error("opossum is not loaded: breakers come from BreakerRegistry.get");
    this.#Opossum = OpossumClass;
    this.#state = saved ?? { state: "closed", openUntil: null, failures: 0, updatedAt: clock.now() };
    this.#opossum = this.#create(this.#state.state === "half-open");
  }

  /** The breaker's name. */
  get name(): string {
    return this.policy.name;
  }

  /** The current state, as persisted. */
  get state(): Readonly<BreakerState> {
    return this.#state;
  }

  /**
   * Calls `attempt` through the breaker. While open, fails at once with `CircuitOpenError` (carrying the
   * half-open time) without calling it. Once the clock reaches that time, one trial call is let through; others
   * made while it runs fail with `CircuitOpenError` (no time). Transitions are persisted before this settles
   * and reported to `onTransition` once each: half-open when the trial starts, open and close to the call whose
   * outcome caused them (with concurrent calls, possibly to another call settling at the same moment).
   */
  async call<T>(attempt: () => Promise<T>, onTransition?: (name: string, state: BreakerTransition) => void): Promise<T> {
    try {
      this.#admit();
      this.#report(onTransition);
      return (await this.#opossum.fire(attempt)) as T;
    } catch (error) {
      if (error instanceof Error && this.#Opossum.isOurError(error) && (error as { code?: unknown }).code === "EOPENBREAKER") {
        throw new CircuitOpenError(this.name, undefined);
      }
      throw error;
    } finally {
      await this.#saving;
      this.#report(onTransition);
    }
  }

  /** Stops opossum's timers and waits for pending state saves. */
  async shutdown(): Promise<void> {
    this.#opossum.shutdown();
    await this.#saving;
  }

  #admit(): void {
    if (this.#state.state !== "open") return;
    const openUntil = this.#state.openUntil ?? 0;
    if (this.clock.now() < openUntil) throw new CircuitOpenError(this.name, new Date(openUntil));
    this.#opossum.shutdown();
    this.#opossum = this.#create(true);
    this.#transition("half-open", this.#state.openUntil, this.#state.failures);
  }

  #report(onTransition: ((name: string, state: BreakerTransition) => void) | undefined): void {
    for (const transition of this.#transitions.splice(0)) onTransition?.(this.name, transition);
  }

  #create(halfOpen: boolean): Opossum {
    const options: OpossumOptions = {
      name: this.policy.name,
      timeout: false,
      resetTimeout: MAX_TIMER_MS,
      volumeThreshold: this.policy.volumeThreshold,
      errorThresholdPercentage: this.policy.errorThresholdPercentage,
      rollingCountTimeout: this.policy.rollingWindowMs,
      rollingCountBuckets: 10,
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      errorFilter: (error: unknown) => error instanceof TerminalError || error instanceof StepResultNotSerializableError,
    };
    if (halfOpen) options.state = { closed: false, halfOpen: true };
    const breaker: Opossum = new this.#Opossum((attempt: Attempt) => attempt(), options);
    breaker.on("open", () => {
      this.#transition("open", this.clock.now() + this.policy.resetAfterMs, breaker.stats.failures);
    });
    breaker.on("close", () => this.#transition("close", null, 0));
    breaker.on("halfOpen", () => this.#transition("half-open", this.#state.openUntil, this.#state.failures));
    return breaker;
  }

  #transition(transition: BreakerTransition, openUntil: number | null, failures: number): void {
    const state = transition === "close" ? "closed" : transition;
    const snapshot: BreakerState = { state, openUntil, failures, updatedAt: this.clock.now() };
    this.#state = snapshot;
    this.#transitions.push(transition);
    this.#saving = this.#saving
      .then(() => this.store.save(this.name, snapshot))
      .catch((error: unknown) => {
        try {
          this.onSaveError(this.name, error);
        } catch {
          // A failing error handler must not fail the call.
        }
      });
  }
}

function warnSaveFailed(name: string, error: unknown): void {
  process.emitWarning(`steplog: could not save the state of breaker '${name}': ${String(error)}`, "SteplogWarning");
}
