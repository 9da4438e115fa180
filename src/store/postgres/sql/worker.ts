/**
 * Statements a worker needs besides the claim. `s` is the quoted schema name.
 */

/**
 * Marks a run failed when it is still marked running and this worker still holds its lease ($1 run, $2 time,
 * $3 epoch): a run that stopped without an end record (strict-mode divergence, a journal it cannot read) is
 * not claimed again and again; a rerun resumes it.
 */
export const markFailedSql = (s: string) => `
  update ${s}.runs r set status = 'failed', updated_at = $2
  where r.run_id = $1 and r.status = 'running'
    and exists (select 1 from ${s}.leases l where l.workflow = r.workflow and l.key = r.key and l.epoch = $3)`;

/** Serializes enqueues of one (workflow, key) for the rest of the transaction: $1 workflow, $2 key. */
export const enqueueLockSql = () => `select pg_advisory_xact_lock(hashtext('steplog.enqueue'), hashtext($1 || chr(1) || $2))`;
