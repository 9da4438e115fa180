/**
 * The PostgreSQL store's dead-letter queue.
 */
import { ulid } from "ulid";
import type { StoredError } from "../../journal/records.js";
import type { DeadLetterEntry, DeadLetterQueue, NewDeadLetter } from "../store.js";
import type { Db } from "./db.js";
import {
  getDeadLetterSql, listDeadLettersSql, purgeDeadLettersSql, putDeadLetterSql, setDeadLetterStatusSql,
} from "./sql/dead-letters.js";

interface Row {
  id: string;
  run_id: string;
  workflow: string;
  key: string;
  step_key: string;
  error: string;
  attempts: number;
  reruns: number;
  first_at: string;
  last_at: string;
  status: DeadLetterEntry["status"];
}

/** Dead-letter entries in the `dead_letters` table. */
export class PostgresDeadLetterQueue implements DeadLetterQueue {
  constructor(private readonly db: Db) {}

  async put(entry: NewDeadLetter, at: number): Promise<DeadLetterEntry> {
    const values = [ulid(at), entry.runId, entry.workflow, entry.key, entry.stepKey, JSON.stringify(entry.error), entry.attempts, at];
    const rows = await this.db.query<Row>("dead-letter put", this.db.statement("dlq_put", putDeadLetterSql), values);
    return toEntry(rows[0]!);
  }

  async list(filter: { status?: DeadLetterEntry["status"]; runId?: string; workflow?: string } = {}): Promise<DeadLetterEntry[]> {
    const rows = await this.db.query<Row>("dead-letter list", this.db.statement("dlq_list", listDeadLettersSql), [filter.status ?? null, filter.runId ?? null, filter.workflow ?? null]);
    return rows.map(toEntry);
  }

  async get(id: string): Promise<DeadLetterEntry | undefined> {
    const rows = await this.db.query<Row>("dead-letter get", this.db.statement("dlq_get", getDeadLetterSql), [id]);
    return rows[0] === undefined ? undefined : toEntry(rows[0]);
  }

  async setStatus(id: string, status: DeadLetterEntry["status"], at: number): Promise<void> {
    await this.db.query("dead-letter status", this.db.statement("dlq_status", setDeadLetterStatusSql), [id, status, at]);
  }

  async purge(filter: { runId?: string; includeOpen?: boolean } = {}): Promise<number> {
    const rows = await this.db.query<{ n: number }>("dead-letter purge", this.db.statement("dlq_purge", purgeDeadLettersSql), [filter.runId ?? null, filter.includeOpen ?? false]);
    return rows[0]?.n ?? 0;
  }
}

function toEntry(row: Row): DeadLetterEntry {
  return {
    id: row.id, runId: row.run_id, workflow: row.workflow, key: row.key, stepKey: row.step_key,
    error: JSON.parse(row.error) as StoredError, attempts: row.attempts, reruns: row.reruns,
    firstAt: Number(row.first_at), lastAt: Number(row.last_at), status: row.status,
  };
}
