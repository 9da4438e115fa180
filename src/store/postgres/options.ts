/**
 * Options of the PostgreSQL store, with their defaults and the one function that resolves them.
 */
import type { Pool } from "pg";
import { UsageError } from "../../errors.js";

/**
 * Options of {@link createPostgresStore}: a connection string or a pool of your own, and the schema.
 *
 * @example
 * ```ts
 * const store = createPostgresStore({ connectionString: "postgres://app@db/app", schema: "jobs", leaseMs: 15_000 });
 * ```
 */
export interface PostgresStoreOptions {
  /** `postgres://user:password@host:5432/database`. One of `connectionString` and `pool` is required. */
  connectionString?: string;
  /** A `pg` Pool to use instead of a connection string (the store does not end it on close). */
  pool?: Pool;
  /**
   * The PostgreSQL schema holding steplog's tables (created by the migrations).
   * @default "steplog"
   */
  schema?: string;
  /**
   * How long a run's lease lasts without renewal: a worker that dies or stalls loses its runs after this long.
   * @default 30_000
   */
  leaseMs?: number;
  /**
   * How long to wait for a connection before failing with a PersistenceError.
   * @default 5_000
   */
  connectTimeoutMs?: number;
  /**
   * How often watchers and workers poll when LISTEN/NOTIFY is unavailable (and workers look for expired leases
   * and elapsed sleeps).
   * @default 1_000
   */
  pollIntervalMs?: number;
  /**
   * Connections in the pool the store creates (ignored with `pool`).
   * @default 10
   */
  maxConnections?: number;
}

/** {@link PostgresStoreOptions} with every default applied. */
export interface ResolvedPostgresOptions {
  connectionString: string | undefined;
  pool: Pool | undefined;
  schema: string;
  leaseMs: number;
  connectTimeoutMs: number;
  pollIntervalMs: number;
  maxConnections: number;
}

/** Validates the options and applies the defaults; names the offending option in the message. */
export function resolvePostgresOptions(options: PostgresStoreOptions): ResolvedPostgresOptions {
  if (options.connectionString === undefined && options.pool === undefined) {
    throw new UsageError("createPostgresStore: give `connectionString` (or STEPLOG_DATABASE_URL) or `pool`");
  }
  if (options.connectionString !== undefined && (typeof options.connectionString !== "string" || options.connectionString.trim() === "")) {
    throw new UsageError(`Expected \`connectionString\` to be a non-empty string, got ${JSON.stringify(options.connectionString)}`);
  }
  const schema = options.schema ?? "steplog";
  if (typeof schema !== "string" || !/^[a-z_][a-z0-9_]{0,39}$/.test(schema)) {
    throw new UsageError(`Expected \`schema\` to be a lower-case SQL identifier of at most 40 characters, got ${JSON.stringify(schema)}`);
  }
  return {
    connectionString: options.connectionString,
    pool: options.pool,
    schema,
    leaseMs: positive("leaseMs", options.leaseMs, 30_000, 200),
    connectTimeoutMs: positive("connectTimeoutMs", options.connectTimeoutMs, 5_000, 1),
    pollIntervalMs: positive("pollIntervalMs", options.pollIntervalMs, 1_000, 10),
    maxConnections: positive("maxConnections", options.maxConnections, 10, 1),
  };
}

function positive(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new UsageError(`Expected \`${name}\` to be an integer of at least ${min}, got ${String(value)}`);
  }
  return value;
}
