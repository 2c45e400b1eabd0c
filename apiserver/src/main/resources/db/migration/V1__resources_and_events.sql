-- One row per managed application. The app spec and hosts are JSON documents the API owns whole;
-- everything the reconciler filters or compares on is a column of its own.
create table resource (
    id                bigint generated always as identity primary key,
    kind              text        not null check (kind in ('database', 'middleware')),
    name              text        not null,
    app_spec          text        not null,
    hosts             text        not null,
    expect            text        not null,
    realtime          text        not null,
    realtime_since    timestamptz not null,
    restart_requested boolean     not null default false,
    check_code        text,
    check_msg         text,
    check_at          timestamptz,
    created_at        timestamptz not null,
    updated_at        timestamptz not null,
    -- Every write is a compare-and-set on this column: no lost updates between the API, health reports and the reconciler.
    version           bigint      not null default 0,
    constraint resource_kind_name_key unique (kind, name)
);

create index resource_kind_expect_idx on resource (kind, expect);
create index resource_kind_realtime_idx on resource (kind, realtime);

-- Every change of expect or realtime, from any cause, written in the same transaction as the change.
-- Kept after the resource is deleted (no foreign key) so the changed list and the audit trail stay complete.
create table resource_event (
    id        bigint generated always as identity primary key,
    kind      text        not null,
    name      text        not null,
    at        timestamptz not null,
    type      text        not null,
    old_value text,
    new_value text,
    cause     text        not null,
    message   text
);

create index resource_event_kind_at_idx on resource_event (kind, at);
create index resource_event_kind_name_idx on resource_event (kind, name, id);
