/**
 * Removing a finished run (`steplog gc`): its records, inbox, cancellation request and row, in one statement.
 * A run that is running or waiting is never removed. `s` is the quoted schema name.
 */

/** Deletes run `$1` unless it is unfinished; returns its id when it was removed. */
export const deleteRunSql = (s: string) => `
  with victim as (
    delete from ${s}.runs where run_id = $1 and status in ('completed', 'failed', 'cancelled') returning run_id
  ), records as (
    delete from ${s}.records where run_id in (select run_id from victim)
  ), inbox as (
    delete from ${s}.inbox where run_id in (select run_id from victim)
  ), cancels as (
    delete from ${s}.cancel_requests where run_id in (select run_id from victim)
  )
  select run_id from victim`;
