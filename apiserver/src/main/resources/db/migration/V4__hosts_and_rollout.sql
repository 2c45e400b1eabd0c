-- Several hosts per resource (SPEC.md §4, 2026-12): each host's state is a JSON document in the resource's row, so
-- that one compare-and-set still covers a resource and all its hosts. The resource keeps its summary realtime as a
-- column for lists and filters.
alter table resource
    add column host_states   text,
    add column retired_hosts text        not null default '[]',
    add column generation    bigint      not null default 1,
    add column spec_version  bigint      not null default 1,
    add column max_in_flight integer     not null default 1,
    add column deleting      boolean     not null default false,
    -- When the reconciler must look at the resource next: found by an index, so idle cost grows with changes only.
    add column due_at        timestamptz;

create function pg_temp.iso(t timestamptz) returns text language sql immutable as
    $$ select to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') $$;

update resource set
    host_states = jsonb_build_array(jsonb_strip_nulls(jsonb_build_object(
        'ip', (hosts::jsonb) -> 0 ->> 'ip',
        'realtime', realtime,
        'realtime_since', pg_temp.iso(realtime_since),
        'generation', case when realtime = 'not-installed' then 0 else 1 end,
        'in_flight', case when in_flight_action is null then null else jsonb_build_object(
            'action', in_flight_action,
            -- Operations named by the agent keep their id; a claim never acknowledged gets one the agent never saw.
            'operation_id', coalesce(in_flight_operation, 'migrated-' || id),
            'since', pg_temp.iso(in_flight_since),
            'deadline', pg_temp.iso(in_flight_deadline),
            'generation', 1) end,
        'failed_action', failed_action,
        'failure_count', failure_count,
        'last_error', last_error,
        'next_retry_at', pg_temp.iso(next_retry_at),
        'last_report_at', pg_temp.iso(check_at),
        'last_check', case when check_at is null then null else jsonb_strip_nulls(jsonb_build_object(
            'code', check_code, 'msg', check_msg, 'at', pg_temp.iso(check_at))) end,
        'restart_pending', restart_requested,
        'removing', false)))::text,
    due_at = now();

alter table resource alter column host_states set not null;

-- One row per action in flight on a host: counted under the host's lock, so the per-host bound holds across replicas.
create table host_action (
    ip   text not null,
    kind text not null,
    name text not null,
    primary key (kind, name, ip)
);
create index host_action_ip_idx on host_action (ip);

insert into host_action (ip, kind, name)
    select coalesce(in_flight_host, (hosts::jsonb) -> 0 ->> 'ip'), kind, name from resource where in_flight_action is not null;

alter table resource
    drop column restart_requested,
    drop column check_code,
    drop column check_msg,
    drop column check_at,
    drop column in_flight_action,
    drop column in_flight_operation,
    drop column in_flight_host,
    drop column in_flight_since,
    drop column in_flight_deadline,
    drop column failed_action,
    drop column failure_count,
    drop column last_error,
    drop column next_retry_at;

create index resource_due_at_idx on resource (due_at) where due_at is not null;

alter table resource_event add column host text;

-- Which hosts each resource has (listed or being removed): kept in step with host_states in the same transaction, so
-- that "who else uses this host" is an index lookup, not a scan of every resource's JSON.
create table resource_host (
    ip   text not null,
    kind text not null,
    name text not null,
    primary key (kind, name, ip)
);
create index resource_host_ip_idx on resource_host (ip);

insert into resource_host (ip, kind, name)
    select h ->> 'ip', kind, name from resource, jsonb_array_elements(host_states::jsonb) h;
