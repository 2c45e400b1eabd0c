-- A create (or a spec update) must agree with the resources already on each of its hosts about the host's agent: its
-- port, and its account when both name one. Until now that was checked against a sample of those resources, read and
-- parsed per request: its cost grew with the sample, and a sample could miss the one that disagreed. Each resource's
-- host row now carries what its spec says of the agent, so the check is an exact index lookup for a disagreeing row.
-- Both are null while a host is being removed from the resource (its spec no longer lists it).
alter table resource_host add column agent_port integer, add column account text;

update resource_host h
   set agent_port = coalesce((listed ->> 'agent_port')::integer, 3335),
       account = listed -> 'auth' -> 0 ->> 'username'
  from resource r cross join lateral jsonb_array_elements(r.hosts::jsonb) listed
 where r.kind = h.kind and r.name = h.name and listed ->> 'ip' = h.ip;

-- Serves lookups by ip as the index it replaces did.
create index resource_host_agent_idx on resource_host (ip, agent_port, account);
drop index resource_host_ip_idx;
