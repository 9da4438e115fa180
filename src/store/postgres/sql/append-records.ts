/**
 * The hot path: records of any number of runs in one statement and one commit (group commit). Each run's
 * records are inserted only if the run's lease still has the epoch its log was opened with (the fencing
 * token), checked in the same statement (a (workflow, key) that was never leased, as in tools and tests that
 * write without a lock, has no lease row and is not fenced); the run's status (running, waiting and its wake time, ended) is
 * updated with them. A run missing from the result was fenced out. `s` is the quoted schema name.
 *
 * Parameters: records ($1 run ids, $2 seqs, $3 bodies); one entry per run ($4 run ids, $5 workflows, $6 keys,
 * $7 epochs, $8 new status or null, $9 wake time, $10 awaited event, $11 last inbox position this process
 * read, $12 time); $13 the wake channel.
 *
 * A run that suspends while an event it waits for (one this process has not read) or a cancellation is already
 * there is made runnable at once (wake time 0), so a delivery racing the suspension is never lost.
 *
 * The statement itself is the function `append_records` (migration 2), one statement and one commit per call.
 */
export const appendRecordsSql = (s: string) => `
  select run_id, inserted, woke from ${s}.append_records($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`;
