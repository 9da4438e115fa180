/**
 * Shared parts of the fault suite: the scale of each class (quick in `npm test`, full in `npm run test:faults`),
 * a seeded PRNG, the fault workflow fixture, and the figures every test reports.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { inject } from "vitest";
import { startFixture, type FixtureExit, type FixtureOptions, type FixtureProcess } from "../helpers/fixture-process.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Where each test of `npm run test:faults` leaves its figures for the final table. */
    faultsFiguresDir: string | undefined;
  }
}

/** True under `npm run test:faults` (vitest.faults.config.ts); false in `npm test`. */
export const FULL = process.env.STEPLOG_FAULTS_FULL === "1";

/** `quick` in `npm test`, `full` in `npm run test:faults`. */
export function scale<T>(quick: T, full: T): T {
  return FULL ? full : quick;
}

/** A seed for this test run: STEPLOG_FAULTS_SEED repeats a failing run. */
export function runSeed(): number {
  const given = process.env.STEPLOG_FAULTS_SEED;
  return given ? Number(given) : Date.now() % 1_000_000_007;
}

/** One row of the figures table. */
export interface Figure {
  /** The fault class and case, e.g. "1 crash (process)". */
  fault: string;
  /** What was measured, in order. */
  figures: Record<string, string | number | boolean>;
  /** The pass criterion, as the issue states it. */
  criterion: string;
  pass: boolean;
  seed?: number;
}

/** Prints a figure and, under `npm run test:faults`, leaves it for the final table. */
export function recordFigure(figure: Figure): void {
  const shown = Object.entries(figure.figures).map(([k, v]) => `${k}: ${v}`).join(", ");
  console.log(`[faults] ${figure.fault}: ${shown} [${figure.criterion}] ${figure.pass ? "PASS" : "FAIL"}${figure.seed === undefined ? "" : ` (seed ${figure.seed})`}`);
  const dir = inject("faultsFiguresDir");
  if (dir === undefined) return;
  const name = `${figure.fault.replace(/[^A-Za-z0-9]+/g, "-")}-${process.pid}-${Date.now()}.json`;
  fs.writeFileSync(path.join(dir, name), JSON.stringify(figure));
}

/** The fault workflow fixture (test/fixtures/faults/steps.mjs). */
export const STEPS_FIXTURE = "../faults/steps.mjs";

/** Starts the fault workflow fixture with STEPLOG_DIR = `options.stateDir`. */
export function startSteps(args: string[], options: FixtureOptions): FixtureProcess {
  return startFixture(STEPS_FIXTURE, args, options);
}

/** Runs the fault workflow fixture to its end. */
export function runSteps(args: string[], options: FixtureOptions): Promise<FixtureExit> {
  return startSteps(args, options).exited;
}

/** The p-th percentile (0..100) of `values`, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Waits (bounded) for `predicate`, yielding to the event loop between checks: for observing child processes. */
export async function waitUntil(predicate: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise<void>((resolve) => setTimeout(resolve, 2));
  }
}
