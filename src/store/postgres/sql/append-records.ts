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
 */
export const appendRecordsSql = (s: string) => `
  with runs_in as (
    select * from unnest($4::text[], $5::text[], $6::text[], $7::bigint[], $8::text[], $9::bigint[], $10::text[], $11::bigint[], $12::bigint[])
      as t(run_id, workflow, key, epoch, status, wake_at, wait_event, last_seen, at)
  ), fenced as (
    select t.* from runs_in t
    where not exists (select 1 from ${s}.leases l where l.workflow = t.workflow and l.key = t.key and l.epoch <> t.epoch)
  ), inserted as (
    insert into ${s}.records (run_id, seq, body)
    select r.run_id, r.seq, r.body from unnest($1::text[], $2::integer[], $3::text[]) as r(run_id, seq, body)
    where r.run_id in (select run_id from fenced)
    on conflict do nothing
    returning run_id
  ), states as (
    update ${s}.runs u set
      status = f.status,
      updated_at = f.at,
      wait_event = f.wait_event,
      wake_at = case
        when f.status = 'waiting' and (
          exists (select 1 from ${s}.inbox i where i.run_id = f.run_id and i.event = f.wait_event and i.pos > f.last_seen)
          or exists (select 1 from ${s}.cancel_requests c where c.run_id = f.run_id)
        ) then 0
        else f.wake_at end
    from fenced f
    where u.run_id = f.run_id and f.status is not null
    returning u.run_id, u.status, u.wake_at
  ), woke as (
    select pg_notify($13, 'wake') from states where status = 'waiting' and wake_at = 0 limit 1
  )
  select f.run_id,
    (select count(*) from inserted i where i.run_id = f.run_id)::integer as inserted,
    (select count(*) from woke)::integer as woke
  from fenced f`;
