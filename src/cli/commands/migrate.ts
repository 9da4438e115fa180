/**
 * `steplog migrate --database-url URL`: applies the PostgreSQL store's pending migrations.
 */
import type { Command } from "../command.js";
import { postgresStoreOf } from "../postgres-only.js";

/**
 * The `migrate` command.
 *
 * @example
 * ```sh
 * steplog migrate --database-url postgres://app@db:5432/app
 * ```
 */
export const migrateCommand: Command = {
  name: "migrate",
  summary: "apply the PostgreSQL store's migrations and print the schema version",
  usage: "steplog migrate --database-url URL [--database-schema NAME]",
  options: {},
  positionals: [0, 0],
  help: `Creates the schema (default 'steplog') and applies the migrations it is missing, then prints the
schema version. Idempotent, and safe while other processes migrate or run: they queue on an advisory lock.
The store also migrates on first use; run this in a deployment step to do it ahead of time. The file
store needs no migrations.

Examples:
  steplog migrate --database-url postgres://app@db:5432/app
  STEPLOG_DATABASE_URL=postgres://app@db/app steplog migrate --database-schema jobs --json`,
  async run(cli) {
    const store = postgresStoreOf(cli, "migrate applies the migrations of the PostgreSQL store; the file store has none");
    const { migrate, latestVersion } = await import("../../store/postgres/migrate.js");
    const { persistenceErrorOf } = await import("../../store/postgres/connection-error.js");
    const { schema, target } = store.db;
    let applied: number[];
    try {
      applied = await migrate(store.db.pool, schema);
    } catch (error) {
      throw persistenceErrorOf(error, "migration", target);
    }
    const version = latestVersion();
    cli.result({ ok: true, schema, version, applied }, () =>
      applied.length === 0
        ? `schema ${schema} on ${target} is up to date (version ${version})`
        : `applied migration${applied.length === 1 ? "" : "s"} ${applied.join(", ")} to schema ${schema} on ${target}; it is at version ${version}`,
    );
    return 0;
  },
};
