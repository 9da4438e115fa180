/**
 * A worker's claim: runnable runs of its workflows (new or handed back, a dead holder's lease expired, a sleep
 * elapsed, an awaited event or a cancellation arrived), locked with FOR UPDATE SKIP LOCKED so concurrent
 * workers never pick the same row, and at most one per (workflow, key), each with a fresh lease. `s` is the
 * quoted schema name.
 *
 * Parameters: $1 workflows, $2 now (the workers' clock, for wake times), $3 how many, $4 holder id, $5 pid,
 * $6 host, $7 since, $8 lease ms. Returns run id, workflow, key and the lease epoch of each claimed run.
 */
export const claimRunsSql = (s: string) => `
  with picked as (
    select r.run_id, r.workflow, r.key from ${s}.runs r
    where r.status in ('running', 'waiting')
      and r.workflow = any($1::text[])
      and (r.status = 'running' or r.wake_at <= $2)
      and not exists (
        select 1 from ${s}.leases l where l.workflow = r.workflow and l.key = r.key and l.expires_at > now()
      )
    order by r.run_id
    limit $3
    for update of r skip locked
  ), one_per_key as (
    select distinct on (workflow, key) run_id, workflow, key from picked order by workflow, key, run_id
  ), leased as (
    insert into ${s}.leases as l (workflow, key, epoch, holder, pid, host, since, expires_at)
    select workflow, key, 1, $4, $5, $6, $7, now() + make_interval(secs => $8::double precision / 1000) from one_per_key
    on conflict (workflow, key) do update set
      epoch = l.epoch + 1, holder = excluded.holder, pid = excluded.pid, host = excluded.host,
      since = excluded.since, expires_at = excluded.expires_at
    where l.expires_at <= now()
    returning l.workflow, l.key, l.epoch
  )
  select o.run_id, o.workflow, o.key, x.epoch from leased x
  join one_per_key o on o.workflow = x.workflow and o.key = x.key`;
