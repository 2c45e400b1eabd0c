-- A watch event's id names a place in one database's history, yet every database numbered its changes from 1: after the
-- apiserver's database was replaced (a new PostgreSQL, a fresh zero-configuration data directory), a watcher resuming
-- with an id the new log had already reached was resumed from there, silently, in a history it never saw.
--
-- A fresh change log now starts at a random place below 2^50 (ids stay exact in a JavaScript number, with 2^53 - 2^50
-- changes of room). An id from another history is then below the log's first id or above its newest, and is answered
-- 400 (no change of this log had it) and the watcher lists again; it lands inside the new log only if the two histories'
-- numbers overlap, about one chance in 2^50 / (changes kept). A log that already holds or has pruned changes keeps its
-- numbers: its watchers' ids stay good.
--
-- first_seq: the log's first id. An id from it to pruned_through was dropped by retention (410); below it, never this
-- log's (400).
alter table resource_change_horizon add column first_seq bigint not null default 1;

do $$
declare
    start bigint := 1 + floor(random() * 2 ^ 50)::bigint;
begin
    if not exists (select from resource_change) and (select pruned_through = 0 from resource_change_horizon) then
        execute format('alter table resource_change alter column seq restart with %s', start);
        update resource_change_horizon set first_seq = start, pruned_seq = start - 1, pruned_through = start - 1;
    end if;
end
$$;
