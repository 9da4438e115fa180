/**
 * The PostgreSQL store of a command that only works there (`migrate`, `worker`), or a clear refusal (exit 10).
 */
import { UsageError } from "../errors.js";
import type { PostgresStore } from "../store/postgres/postgres-store.js";
import type { Cli } from "./command.js";

/**
 * The selected store as a PostgresStore; a UsageError naming `what` when no database URL was given.
 *
 * @example
 * ```ts
 * const store = postgresStoreOf(cli, "migrate applies the PostgreSQL schema's migrations");
 * ```
 */
export function postgresStoreOf(cli: Cli, what: string): PostgresStore {
  if (cli.databaseUrl === undefined) {
    throw new UsageError(`${what}; give the database: --database-url postgres://user@host:5432/db (or set STEPLOG_DATABASE_URL)`);
  }
  return cli.store() as PostgresStore;
}
