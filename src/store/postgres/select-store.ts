/**
 * Choosing the store from options and the environment, for `main()` and the CLI: PostgreSQL when a database
 * URL is given (`--database-url` or `STEPLOG_DATABASE_URL`), else the file store of the state directory. `pg`
 * is loaded only in the first case.
 */
import { storeFor } from "../default-store.js";
import type { Store } from "../store.js";

/** Options of {@link storeFromOptions}. */
export interface StoreSelection {
  /** The file store's state directory. @default env `STEPLOG_DIR`, else `.steplog/` beside the entry script */
  dir?: string | undefined;
  /** A PostgreSQL connection string; wins over `dir`. @default env `STEPLOG_DATABASE_URL` */
  databaseUrl?: string | undefined;
  /** The PostgreSQL schema. @default env `STEPLOG_DATABASE_SCHEMA`, else "steplog" */
  schema?: string | undefined;
  /** The environment to read. @default process.env */
  env?: Record<string, string | undefined>;
}

/**
 * The store the options and environment select.
 *
 * @example
 * ```ts
 * const store = await storeFromOptions({ dir: flags.dir, databaseUrl: flags["database-url"], env: process.env });
 * console.log(store.description);
 * ```
 */
export async function storeFromOptions(options: StoreSelection = {}): Promise<Store> {
  const env = options.env ?? process.env;
  const databaseUrl = selectedDatabaseUrl(options);
  if (databaseUrl === undefined) return storeFor(options.dir);
  const { createPostgresStore } = await import("./postgres-store.js");
  const schema = options.schema ?? nonEmpty(env.STEPLOG_DATABASE_SCHEMA);
  return createPostgresStore({ connectionString: databaseUrl, ...(schema !== undefined ? { schema } : {}) });
}

/**
 * The database URL the options and environment select, if any: when it is defined, {@link storeFromOptions}
 * returns a PostgreSQL store the caller should close.
 *
 * @example
 * ```ts
 * selectedDatabaseUrl({ env: { STEPLOG_DATABASE_URL: "postgres://app@db/app" } }); // "postgres://app@db/app"
 * ```
 */
export function selectedDatabaseUrl(options: StoreSelection = {}): string | undefined {
  return options.databaseUrl ?? nonEmpty((options.env ?? process.env).STEPLOG_DATABASE_URL);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}
