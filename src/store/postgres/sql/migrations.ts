/**
 * The schema's versions. Each migration runs once, in order, inside the transaction that holds the migration
 * lock; add new versions at the end, never edit an applied one.
 */

/** One schema version: `up` receives the quoted schema name. */
export interface Migration {
  version: number;
  name: string;
  up: (s: string) => string;
}

/** Every version, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "runs, records, leases, inbox, cancel requests, dead letters, breakers",
    up: (s) => `
      create table ${s}.runs (
        run_id text primary key,
        workflow text not null,
        key text not null,
        status text not null,
        header text not null,
        parent_run_id text,
        started_at bigint not null,
        updated_at bigint not null,
        wake_at bigint,
        wait_event text
      );
      create index runs_by_workflow_key on ${s}.runs (workflow, key, run_id desc);
      create index runs_by_workflow on ${s}.runs (workflow, run_id desc);
      create index runs_unfinished on ${s}.runs (run_id) where status in ('running', 'waiting');

      create table ${s}.records (
        run_id text not null,
        seq integer not null,
        body text not null,
        primary key (run_id, seq)
      );

      create table ${s}.leases (
        workflow text not null,
        key text not null,
        epoch bigint not null,
        holder text,
        pid integer,
        host text,
        since bigint,
        expires_at timestamptz not null,
        primary key (workflow, key)
      );

      create table ${s}.inbox (
        pos bigserial primary key,
        message_id text not null unique,
        run_id text not null,
        event text not null,
        data text not null,
        at bigint not null
      );
      create index inbox_by_run on ${s}.inbox (run_id, pos);

      create table ${s}.cancel_requests (
        run_id text primary key,
        reason text,
        at bigint not null
      );

      create table ${s}.dead_letters (
        id text primary key,
        run_id text not null,
        workflow text not null,
        key text not null,
        step_key text not null,
        error text not null,
        attempts integer not null,
        reruns integer not null,
        first_at bigint not null,
        last_at bigint not null,
        status text not null
      );
      create unique index dead_letters_one_open on ${s}.dead_letters (run_id, step_key) where status = 'open';

      create table ${s}.breakers (
        name text primary key,
        state text not null
      );
    `,
  },
  {
    version: 2,
    name: "append_records: the group-commit statement as a function with a plan reused per connection",
    // As a prepared statement it was planned again at every execution (the planner preferred a custom plan for
    // its array parameters), which took longer than executing it; a PL/pgSQL function keeps one generic plan.
    up: (s) => `
      create function ${s}.append_records(
        p1 text[], p2 integer[], p3 text[], p4 text[], p5 text[], p6 text[], p7 bigint[], p8 text[], p9 bigint[],
        p10 text[], p11 bigint[], p12 bigint[], p13 text
      ) returns table (run_id text, inserted integer, woke integer)
      language plpgsql set plan_cache_mode = force_generic_plan as $fn$
      #variable_conflict use_column
      begin
        return query
        with runs_in as (
          select * from unnest(p4::text[], p5::text[], p6::text[], p7::bigint[], p8::text[], p9::bigint[], p10::text[], p11::bigint[], p12::bigint[])
            as t(run_id, workflow, key, epoch, status, wake_at, wait_event, last_seen, at)
        ), fenced as (
          select t.* from runs_in t
          where not exists (select 1 from ${s}.leases l where l.workflow = t.workflow and l.key = t.key and l.epoch <> t.epoch)
        ), inserted as (
          insert into ${s}.records (run_id, seq, body)
          select r.run_id, r.seq, r.body from unnest(p1::text[], p2::integer[], p3::text[]) as r(run_id, seq, body)
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
          select pg_notify(p13, 'wake') from states where status = 'waiting' and wake_at = 0 limit 1
        )
        select f.run_id::text,
          (select count(*) from inserted i where i.run_id = f.run_id)::integer as inserted,
          (select count(*) from woke)::integer as woke
        from fenced f;
      end
      $fn$;
    `,
  },
];
