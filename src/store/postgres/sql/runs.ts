/**
 * Statements on runs: create (fenced by the lease), load (header and records in one round trip), summaries.
 * `s` is the quoted schema name.
 */

const SUMMARY = "run_id, workflow, key, status, started_at, updated_at, parent_run_id";

/** Inserts a run when the caller holds the lease of its (workflow, key) at `$9`; returns its id, or nothing. */
export const createRunSql = (s: string) => `
  insert into ${s}.runs (run_id, workflow, key, status, header, parent_run_id, started_at, updated_at)
  select $1, $2, $3, 'running', $4, $5, $6, $6
  where $7::boolean or exists (select 1 from ${s}.leases where workflow = $2 and key = $3 and epoch = $8)
  returning run_id`;

/** The header (seq 0) and the records of a run, in order. */
export const loadRunSql = (s: string) => `
  select 0 as seq, header as body from ${s}.runs where run_id = $1
  union all
  select seq, body from ${s}.records where run_id = $1
  order by seq`;

/** One run's summary. */
export const getRunSql = (s: string) => `select ${SUMMARY} from ${s}.runs where run_id = $1`;

/** Runs by optional workflow, key and statuses, newest first. */
export const listRunsSql = (s: string) => `
  select ${SUMMARY} from ${s}.runs
  where ($1::text is null or workflow = $1) and ($2::text is null or key = $2) and ($3::text[] is null or status = any($3))
  order by run_id desc
  limit $4`;

/** The newest run of a workflow and key, optionally only an unfinished one. */
export const latestRunSql = (s: string) => `
  select ${SUMMARY} from ${s}.runs
  where workflow = $1 and key = $2 and (not $3::boolean or status not in ('completed', 'cancelled'))
  order by run_id desc
  limit 1`;
