-- Agents installed by other means (cloud-init, configuration management, an image) and registered through
-- PUT /apis/v1alpha1/hosts/{ip} (SPEC.md §3): the apiserver calls them with the registered secret and never
-- bootstraps them over SSH. Null for agents the bootstrap installed.
alter table agent_host add column registered_at timestamptz;
