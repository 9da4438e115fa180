/**
 * Leases: one per (workflow, key), with an epoch that grows with every new holder (the fencing token) and an
 * expiry on the database's clock. A row is never deleted, so epochs never repeat. `s` is the quoted schema name.
 */

/**
 * Takes the lease when it is free or expired: $1 workflow, $2 key, $3 holder id, $4 pid, $5 host, $6 since,
 * $7 lease ms, $8 the smallest acceptable epoch. Returns the new epoch, or nothing when it is held.
 */
export const acquireLeaseSql = (s: string) => `
  insert into ${s}.leases as l (workflow, key, epoch, holder, pid, host, since, expires_at)
  values ($1, $2, greatest(1, $8::bigint), $3, $4, $5, $6, now() + make_interval(secs => $7::double precision / 1000))
  on conflict (workflow, key) do update set
    epoch = greatest(l.epoch + 1, $8::bigint), holder = excluded.holder, pid = excluded.pid, host = excluded.host,
    since = excluded.since, expires_at = excluded.expires_at
  where l.expires_at <= now()
  returning epoch`;

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
 * Releases a lease ($1 workflow, $2 key, $3 epoch); when a run of that key is left runnable (handed back),
 * wakes the workers on channel $4.
 */
export const releaseLeaseSql = (s: string) => `
  with released as (
    update ${s}.leases set expires_at = '-infinity', holder = null
    where workflow = $1 and key = $2 and epoch = $3
    returning 1
  )
  select (select count(*) from released)::integer as released,
    (select count(pg_notify($4, 'wake')) from ${s}.runs
      where exists (select 1 from released) and workflow = $1 and key = $2 and status = 'running')::integer as woke`;
