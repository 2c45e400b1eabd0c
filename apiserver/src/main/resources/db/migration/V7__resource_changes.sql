-- The watch stream's change log (GET /{kind}?watch=true): one row per resource row inserted, deleted, or updated with a
-- new version (the reconciler's due-time bookkeeping changes no version and is no change), written by a trigger in the
-- same transaction as the change, so that no write path can forget it. seq is the stream's event id.
create table resource_change (
    seq         bigint generated always as identity primary key,
    kind        text        not null,
    name        text        not null,
    resource_id bigint      not null,
    type        text        not null check (type in ('ADDED', 'MODIFIED', 'DELETED')),
    at          timestamptz not null default now(),
    -- The transactions in progress when this row was written: one of them may hold a lower seq and commit later, so a
    -- reader takes this row only once all of them have ended (see watch/ChangeLog); no change is ever passed over.
    writers     pg_snapshot not null default pg_current_snapshot(),
    -- DELETED only: the row as it was, its sealed secrets replaced by ****** as every view shows them, to render the
    -- object it had. ADDED and MODIFIED render the row as it is when read.
    deleted_row text
);

create index resource_change_kind_seq_idx on resource_change (kind, seq);

-- The highest seq that retention dropped: a watcher resuming from below it has missed changes (410).
create table resource_change_horizon (
    only_row       boolean primary key default true check (only_row),
    pruned_through bigint  not null
);
insert into resource_change_horizon (pruned_through) values (0);

-- A stored JSON document with each sealed secret (aesgcm:<key id>:<base64>) shown as the views show it.
create function resource_change_redacted(document text) returns text language sql immutable as
    $$ select regexp_replace(document, '"aesgcm:[0-9a-f]+:[A-Za-z0-9+/=]*"', '"******"', 'g') $$;

create function resource_change_log() returns trigger language plpgsql as $$
declare
    change_seq bigint;
begin
    if tg_op = 'DELETE' then
        insert into resource_change (kind, name, resource_id, type, deleted_row)
        values (old.kind, old.name, old.id, 'DELETED', (to_jsonb(old) || jsonb_build_object(
                'app_spec', resource_change_redacted(old.app_spec),
                'hosts', resource_change_redacted(old.hosts),
                'retired_hosts', resource_change_redacted(old.retired_hosts)))::text)
        returning seq into change_seq;
        perform pg_notify('resource_change', old.kind || ' ' || change_seq);
        return old;
    end if;
    insert into resource_change (kind, name, resource_id, type)
    values (new.kind, new.name, new.id, case when tg_op = 'INSERT' then 'ADDED' else 'MODIFIED' end)
    returning seq into change_seq;
    perform pg_notify('resource_change', new.kind || ' ' || change_seq);
    return new;
end $$;

create trigger resource_change_added_deleted after insert or delete on resource
    for each row execute function resource_change_log();
create trigger resource_change_modified after update on resource
    for each row when (old.version is distinct from new.version) execute function resource_change_log();
