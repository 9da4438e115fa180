/**
 * The PostgreSQL store's breaker states, shared by every worker on the database.
 */
import type { BreakerState, BreakerStore } from "../store.js";
import type { Db } from "./db.js";

const listSql = (s: string) => `select name, state from ${s}.breakers`;
const loadSql = (s: string) => `select state from ${s}.breakers where name = $1`;
const saveSql = (s: string) => `
  insert into ${s}.breakers (name, state) values ($1, $2) on conflict (name) do update set state = excluded.state`;

/** Breaker states in the `breakers` table (one row per breaker name). */
export class PostgresBreakerStore implements BreakerStore {
  constructor(private readonly db: Db) {}

  async load(name: string): Promise<BreakerState | undefined> {
    const rows = await this.db.query<{ state: string }>("breaker load", this.db.statement("breaker_load", loadSql), [name]);
    return rows[0] === undefined ? undefined : (JSON.parse(rows[0].state) as BreakerState);
  }

  async save(name: string, state: BreakerState): Promise<void> {
    await this.db.query("breaker save", this.db.statement("breaker_save", saveSql), [name, JSON.stringify(state)]);
  }

  async list(): Promise<Record<string, BreakerState>> {
    const rows = await this.db.query<{ name: string; state: string }>("breaker list", this.db.statement("breaker_list", listSql));
    const out: Record<string, BreakerState> = Object.create(null) as Record<string, BreakerState>;
    for (const row of rows) out[row.name] = JSON.parse(row.state) as BreakerState;
    return out;
  }
}
