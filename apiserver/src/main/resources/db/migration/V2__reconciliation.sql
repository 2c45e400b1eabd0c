-- What the reconciler needs to act exactly once per step and to survive a crash: the action in flight is written
-- here before the agent is called; failures back off until next_retry_at.
alter table resource
    add column in_flight_action    text,
    add column in_flight_operation text,
    add column in_flight_host      text,
    add column in_flight_since     timestamptz,
    add column in_flight_deadline  timestamptz,
    add column failed_action       text,
    add column failure_count       integer not null default 0,
    add column last_error          text,
    add column next_retry_at       timestamptz;

-- Action results in the history: what ran, how it ended, and the end of its output.
alter table resource_event
    add column operation_id text,
    add column exit_code    integer,
    add column duration_ms  bigint,
    add column output_tail  text;
