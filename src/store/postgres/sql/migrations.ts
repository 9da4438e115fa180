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
];
