/**
 * Statements on the dead-letter queue: one open entry per (run, step), updated in place by a rerun that fails
 * the same step again. `s` is the quoted schema name.
 */

const COLUMNS = "id, run_id, workflow, key, step_key, error, attempts, reruns, first_at, last_at, status";

/** Opens an entry or updates the open one: $1 id, $2 run, $3 workflow, $4 key, $5 step key, $6 error JSON, $7 attempts, $8 time. */
export const putDeadLetterSql = (s: string) => `
  insert into ${s}.dead_letters as d (${COLUMNS})
  values ($1, $2, $3, $4, $5, $6, $7, 0, $8, $8, 'open')
  on conflict (run_id, step_key) where status = 'open' do update set
    error = excluded.error, attempts = excluded.attempts, reruns = d.reruns + 1, last_at = excluded.last_at
  returning ${COLUMNS}`;

/** Entries by optional status, run and workflow, newest first. */
export const listDeadLettersSql = (s: string) => `
  select ${COLUMNS} from ${s}.dead_letters
  where ($1::text is null or status = $1) and ($2::text is null or run_id = $2) and ($3::text is null or workflow = $3)
  order by id desc`;

/** One entry. */
export const getDeadLetterSql = (s: string) => `select ${COLUMNS} from ${s}.dead_letters where id = $1`;

/** Changes an entry's status: $1 id, $2 status, $3 time. */
export const setDeadLetterStatusSql = (s: string) => `
  update ${s}.dead_letters set status = $2, last_at = $3 where id = $1`;

/** Removes entries that are not open (or all with $2) of an optional run $1; returns how many. */
export const purgeDeadLettersSql = (s: string) => `
  with gone as (
    delete from ${s}.dead_letters where ($1::text is null or run_id = $1) and ($2::boolean or status <> 'open') returning 1
  )
  select count(*)::integer as n from gone`;
