-- A list filtered by state (GET /{kind}?expect=…&realtime=…, a page ordered by name) is answered from an index in that
-- order for any state: the statement keeps one plan for every value (the apiserver's connections plan each statement
-- once, for any values), and that plan must not depend on how common the state asked for is. With (kind, realtime)
-- alone, one plan walked the (kind, name) index and read every row of a kind to find a rare state (41 ms at 80,000);
-- both filters at once (a drift: expected stopped, running) read every row of the one state (98 ms at 160,000).
create index resource_kind_expect_name_idx on resource (kind, expect, name);
create index resource_kind_realtime_name_idx on resource (kind, realtime, name);
create index resource_kind_expect_realtime_name_idx on resource (kind, expect, realtime, name);
drop index resource_kind_expect_idx;
drop index resource_kind_realtime_idx;
