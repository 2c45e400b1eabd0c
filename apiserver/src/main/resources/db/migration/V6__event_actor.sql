-- Who made a change through the API: the name of the token it presented (never the token). Null for the
-- reconciler's, the agents' and the health reports' changes, and for history written before names existed.
alter table resource_event add column actor text;
