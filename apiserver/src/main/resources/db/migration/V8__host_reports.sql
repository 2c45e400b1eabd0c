-- Cheap health reports: an agent sends one report per host per interval carrying every application's verdict, and a
-- resource is written only when a verdict changes its state. That the applications were heard is kept per host: when
-- its agent last reported, and for which applications ("kind/name"); a host whose reports stop is noticed once per
-- silence (silence_noticed_at), which wakes its applications.
alter table agent_host
    add column reported_at        timestamptz,
    add column reported_apps      text[],
    add column silence_noticed_at timestamptz;
create index agent_host_reported_at on agent_host (reported_at) where reported_apps is not null;
