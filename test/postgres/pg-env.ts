/**
 * The PostgreSQL the tests use (STEPLOG_TEST_DATABASE_URL, default the local server), whether it is reachable,
 * and a fresh schema per test file. Without PostgreSQL the suites skip with a message, except in CI (CI=true),
 * where they fail.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { describe, it } from "vitest";

/** Connection string of the test database. */
export const DATABASE_URL = process.env.STEPLOG_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

async function probe(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("select 1");
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const problem = await probe();

/** `describe`, or a skip with the reason when PostgreSQL is unreachable (a failure in CI). */
export function describePg(name: string, body: () => void): void {
  if (problem === undefined) {
    describe(name, body);
    return;
  }
  if (process.env.CI) {
    describe(name, () => {
      it("needs PostgreSQL", () => {
        throw new Error(`PostgreSQL is unreachable at ${DATABASE_URL} (${problem}); CI must provide it`);
      });
    });
    return;
  }
  console.warn(`[steplog tests] skipping "${name}": no PostgreSQL at ${DATABASE_URL} (${problem}); set STEPLOG_TEST_DATABASE_URL to run them`);
  describe.skip(name, body);
}

/** A new random schema name for one test file. */
export function freshSchema(prefix = "t"): string {
  return `${prefix}_${randomBytes(6).toString("hex")}`;
}

/** Runs one statement on the test database with a short-lived connection. */
export async function sql<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Drops a test schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  await sql(`drop schema if exists "${schema}" cascade`);
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let wait = 5;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, wait));
    wait = Math.min(100, wait * 2);
  }
}
