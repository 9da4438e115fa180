/**
 * Statements on runs: create (fenced by the lease), load (header and records in one round trip), summaries.
 * `s` is the quoted schema name.
 */

const SUMMARY = "run_id, workflow, key, status, started_at, updated_at, parent_run_id";

/**
 * Inserts a run unless another holder has the lease of its (workflow, key) (`$8` is the caller's epoch; `$7`
 * skips the check, for runs enqueued for workers); returns its id, or nothing.
 */
export const createRunSql = (s: string) => `
  insert into ${s}.runs (run_id, workflow, key, status, header, parent_run_id, started_at, updated_at)
  select $1, $2, $3, 'running', $4, $5, $6, $6
  where $7::boolean or not exists (select 1 from ${s}.leases where workflow = $2 and key = $3 and epoch <> $8)
  returning run_id`;

/** The header (seq 0, with the run's status) and the records of a run, in order. */
export const loadRunSql = (s: string) => `
  select 0 as seq, header as body, status from ${s}.runs where run_id = $1
  union all
  select seq, body, null from ${s}.records where run_id = $1
  order by seq`;

/** Marks a reopened (waiting or failed, not final) run as running again: $1 run id, $2 time. */
export const markRunningSql = (s: string) => `
  update ${s}.runs set status = 'running', wake_at = null, wait_event = null, updated_at = $2
  where run_id = $1 and status <> 'running'`;

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
