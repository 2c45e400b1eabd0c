-- Every resource on a host names the same agent: the same port, and the same account where both name one. This was a
-- check the apiserver ran before each create or spec update, under a lock per host address held for a transaction
-- around the check and the write (without the lock, two creates sent at once both passed the check). PostgreSQL now
-- holds the rule itself: an exclusion constraint refuses a host row whose port (or account) differs from another row's
-- for the same address, and makes a writer wait for one not yet committed, so a create is one statement again. Rows of
-- a host being removed (port and account null) conflict with nothing, as before. btree_gist is a trusted extension
-- shipped with PostgreSQL (contrib): a database owner may create it.
create extension if not exists btree_gist;

-- Before the lock (2d3d500), two creates sent at once could both be stored though they disagreed. Such a resource never
-- worked (its agent's steps failed); it keeps its spec, and its row no longer counts in the rule: the rows that agree
-- with the host's registered port (PUT /hosts/{ip}: the one its agent answers on), else with its oldest resource, stay;
-- the others forget their port or account until a spec update changes what they say of that host.
update resource_host h
   set agent_port = null, account = null
  from (select distinct on (hr.ip) hr.ip, hr.agent_port
          from resource_host hr join resource r on r.kind = hr.kind and r.name = hr.name
               left join agent_host registered on registered.ip = hr.ip and registered.registered_at is not null
         where hr.agent_port is not null
         order by hr.ip, hr.agent_port is distinct from registered.agent_port, r.id) kept
 where h.ip = kept.ip and h.agent_port <> kept.agent_port;

update resource_host h
   set account = null
  from (select distinct on (hr.ip) hr.ip, hr.account
          from resource_host hr join resource r on r.kind = hr.kind and r.name = hr.name
         where hr.account is not null
         order by hr.ip, r.id) kept
 where h.ip = kept.ip and h.account <> kept.account;

alter table resource_host
  add constraint resource_host_one_agent_port exclude using gist (ip with =, agent_port with <>),
  add constraint resource_host_one_agent_account exclude using gist (ip with =, account with <>);
