/**
 * Applying the schema's migrations: idempotent, and safe when several processes start at once (they queue on a
 * transaction-scoped advisory lock, and each applies only the versions still missing).
 */
import type pg from "pg";
import { MIGRATIONS } from "./sql/migrations.js";

/**
 * Brings `schema` up to the newest version; returns the versions it applied (empty when up to date).
 *
 * @example
 * ```ts
 * const applied = await migrate(pool, "steplog");
 * console.log(applied.length === 0 ? "up to date" : `applied ${applied.join(", ")}`);
 * ```
 */
export async function migrate(pool: pg.Pool, schema: string): Promise<number[]> {
  const s = `"${schema}"`;
  const client = await pool.connect();
  try {
    if ((await currentVersion(client, schema)) >= latestVersion()) return [];
    await client.query("begin");
    try {
      await client.query("select pg_advisory_xact_lock(hashtext($1))", [`steplog.migrate.${schema}`]);
      await client.query(`create schema if not exists ${s}`);
      await client.query(`create table if not exists ${s}.migrations (version integer primary key, name text not null, applied_at timestamptz not null default now())`);
      const done = await currentVersion(client, schema);
      const applied: number[] = [];
      for (const migration of MIGRATIONS) {
        if (migration.version <= done) continue;
        await client.query(migration.up(s));
        await client.query(`insert into ${s}.migrations (version, name) values ($1, $2)`, [migration.version, migration.name]);
        applied.push(migration.version);
      }
      await client.query("commit");
      return applied;
    } catch (error) {
      await client.query("rollback").catch(() => undefined);
      throw error;
    }
  } finally {
    client.release();
  }
}

/** The newest schema version this build knows. */
export function latestVersion(): number {
  return MIGRATIONS[MIGRATIONS.length - 1]!.version;
}

async function currentVersion(client: pg.PoolClient, schema: string): Promise<number> {
  const exists = await client.query<{ ok: boolean }>("select to_regclass($1) is not null as ok", [`"${schema}".migrations`]);
  if (!exists.rows[0]?.ok) return 0;
  const rows = await client.query<{ v: number | null }>(`select max(version) as v from "${schema}".migrations`);
  return rows.rows[0]?.v ?? 0;
}
