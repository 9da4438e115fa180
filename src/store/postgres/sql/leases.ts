/**
 * Leases: one per (workflow, key), with an epoch that grows with every new holder (the fencing token) and an
 * expiry on the database's clock. A row is never deleted, so epochs never repeat. `s` is the quoted schema name.
 */

/**
 * Takes the leases that are free or expired, one per (workflow, key), in key order (so that two processes
 * never wait on each other's rows): $1 workflows, $2 keys, $3 since, $4 the smallest acceptable epochs (one
 * each), $5 holder id, $6 pid, $7 host, $8 lease ms. Returns the (workflow, key, epoch) of each lease taken; a
 * key that is held is missing. The keys must be distinct.
 */
export const acquireLeasesSql = (s: string) => `
  insert into ${s}.leases as l (workflow, key, epoch, holder, pid, host, since, expires_at)
  select t.workflow, t.key, greatest(1, t.min_epoch), $5, $6, $7, t.since, now() + make_interval(secs => $8::double precision / 1000)
  from unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[]) as t(workflow, key, since, min_epoch)
  order by t.workflow, t.key
  on conflict (workflow, key) do update set
    epoch = greatest(l.epoch + 1, excluded.epoch), holder = excluded.holder, pid = excluded.pid, host = excluded.host,
    since = excluded.since, expires_at = excluded.expires_at
  where l.expires_at <= now()
  returning l.workflow, l.key, l.epoch`;

/** The holder of a lease: $1 workflow, $2 key. */
export const leaseOwnerSql = (s: string) => `
  select epoch, pid, host, since, expires_at > now() as live from ${s}.leases where workflow = $1 and key = $2`;

/**
 * Extends every lease of this process that still has its epoch ($1 workflows, $2 keys, $3 epochs, $4 lease ms);
 * returns those extended (the others were lost).
 */
export const renewLeasesSql = (s: string) => `
  update ${s}.leases l set expires_at = now() + make_interval(secs => $4::double precision / 1000)
  from unnest($1::text[], $2::text[], $3::bigint[]) as t(workflow, key, epoch)
  where l.workflow = t.workflow and l.key = t.key and l.epoch = t.epoch
  returning l.workflow, l.key, l.epoch`;

/**
 * Releases leases ($1 workflows, $2 keys, $3 epochs: those still with that epoch); when a run of a released key
 * is left runnable (handed back), wakes the workers on channel $4.
 */
export const releaseLeasesSql = (s: string) => `
  with released as (
    update ${s}.leases l set expires_at = '-infinity', holder = null
    from unnest($1::text[], $2::text[], $3::bigint[]) as t(workflow, key, epoch)
    where l.workflow = t.workflow and l.key = t.key and l.epoch = t.epoch
    returning l.workflow, l.key
  )
  select (select count(*) from released)::integer as released,
    (select count(pg_notify($4, 'wake')) from (
      select 1 from ${s}.runs r join released x on r.workflow = x.workflow and r.key = x.key where r.status = 'running' limit 1
    ) handed_back)::integer as woke`;
