/**
 * Statements on runs: create (fenced by the lease), load (header and records in one round trip), summaries.
 * `s` is the quoted schema name.
 */

const SUMMARY = "run_id, workflow, key, status, started_at, updated_at, parent_run_id";

/**
 * Inserts runs, each unless another holder has the lease of its (workflow, key): $1 run ids, $2 workflows,
 * $3 keys, $4 headers, $5 parent run ids, $6 start times, $7 unfenced (runs enqueued for workers skip the
 * check), $8 the callers' epochs. Returns the ids inserted; a fenced-out run is missing. A duplicate run id
 * fails the statement.
 */
export const createRunsSql = (s: string) => `
  insert into ${s}.runs (run_id, workflow, key, status, header, parent_run_id, started_at, updated_at)
  select t.run_id, t.workflow, t.key, 'running', t.header, t.parent_run_id, t.started_at, t.started_at
  from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::boolean[], $8::bigint[])
    as t(run_id, workflow, key, header, parent_run_id, started_at, unfenced, epoch)
  where t.unfenced or not exists (select 1 from ${s}.leases l where l.workflow = t.workflow and l.key = t.key and l.epoch <> t.epoch)
  returning run_id`;

/**
 * Creates runs for the workers ($1 run ids, $2 workflows, $3 keys, $4 headers, $5 start times) and wakes them
 * on channel $6, in one statement. Returns the ids inserted.
 */
export const enqueueRunsSql = (s: string) => `
  with created as (
    insert into ${s}.runs (run_id, workflow, key, status, header, parent_run_id, started_at, updated_at)
    select t.run_id, t.workflow, t.key, 'running', t.header, null, t.started_at, t.started_at
    from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[]) as t(run_id, workflow, key, header, started_at)
    returning run_id
  )
  select c.run_id, (select count(pg_notify($6, 'wake')) from (select 1 from created limit 1) w)::integer as woke from created c`;

/** The header (seq 0, with the run's status) and the records of runs ($1 run ids), in order of run and seq. */
export const loadRunsSql = (s: string) => `
  select run_id, 0 as seq, header as body, status from ${s}.runs where run_id = any($1::text[])
  union all
  select run_id, seq, body, null from ${s}.records where run_id = any($1::text[])
  order by run_id, seq`;

/** Marks reopened (waiting or failed, not final) runs as running again: $1 run ids, $2 time. */
export const markRunningSql = (s: string) => `
  update ${s}.runs set status = 'running', wake_at = null, wait_event = null, updated_at = $2
  where run_id = any($1::text[]) and status <> 'running'`;

/** Summaries of runs ($1 run ids). */
export const getRunsSql = (s: string) => `select ${SUMMARY} from ${s}.runs where run_id = any($1::text[])`;

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
