-- The watch stream's change log in an order no reader can pass a change in. V7 ordered it by seq and took a row once the
-- transactions its snapshot listed as in progress had ended; but a snapshot lists only transactions below its xmax
-- (the newest completed one, plus one), so a transaction that began writing just before the row's and was still open
-- could hold a lower seq, be listed nowhere, and commit after a watcher had moved past it: a change never sent.
--
-- Now each row carries its writing transaction (writer, pg_current_xact_id()), and rows are read in (writer, seq)
-- order, up to the oldest transaction still in progress (pg_snapshot_xmin of the reader's snapshot): every transaction
-- before it has ended, and no later one can take an id below it, so what a reader takes is final. seq stays the
-- event id; a watcher's position is the (writer, seq) of the last row it took.
alter table resource_change add column writer xid8 not null default pg_current_xact_id();
alter table resource_change drop column writers;
drop index resource_change_kind_seq_idx;
create index resource_change_kind_writer_seq_idx on resource_change (kind, writer, seq);

-- Retention drops a prefix of that order: (pruned_writer, pruned_seq) is the last row dropped, the horizon a resuming
-- watcher is held to; pruned_through stays the highest seq dropped (an id at or below it that is gone is 410).
alter table resource_change_horizon
    add column pruned_writer xid8   not null default '0',
    add column pruned_seq    bigint not null default 0;
-- Rows kept from before this migration all have its transaction as their writer, after (0, the old horizon).
update resource_change_horizon set pruned_seq = pruned_through;
