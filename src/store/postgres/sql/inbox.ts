/**
 * Statements on the inbox and cancellation requests. Delivering either wakes the run when it is waiting for it
 * and notifies watchers and workers. `s` is the quoted schema name.
 */

/**
 * Delivers an event: $1 message id, $2 run id, $3 event, $4 data (JSON text), $5 time, $6 inbox channel,
 * $7 wake channel. Returns the new message's position.
 */
export const sendEventSql = (s: string) => `
  with message as (
    insert into ${s}.inbox (message_id, run_id, event, data, at) values ($1, $2, $3, $4, $5) returning pos
  ), woken as (
    update ${s}.runs set wake_at = 0 where run_id = $2 and status = 'waiting' and wait_event = $3 returning 1
  )
  select m.pos, pg_notify($6, $2), (select count(pg_notify($7, 'wake')) from woken)::integer as woke from message m`;

/** A run's events, oldest first. */
export const inboxSql = (s: string) => `
  select pos, message_id, event, data, at from ${s}.inbox where run_id = $1 order by pos`;

/** Records (or replaces) a cancellation request: $1 run id, $2 reason, $3 time, $4 inbox channel, $5 wake channel. */
export const requestCancelSql = (s: string) => `
  with request as (
    insert into ${s}.cancel_requests (run_id, reason, at) values ($1, $2, $3)
    on conflict (run_id) do update set reason = excluded.reason, at = excluded.at
    returning run_id
  ), woken as (
    update ${s}.runs set wake_at = 0 where run_id = $1 and status = 'waiting' returning 1
  )
  select pg_notify($4, $1), (select count(pg_notify($5, 'wake')) from woken)::integer as woke from request`;

/** The cancellation requests of runs ($1 run ids). */
export const cancelRequestsSql = (s: string) => `select run_id, reason, at from ${s}.cancel_requests where run_id = any($1::text[])`;
