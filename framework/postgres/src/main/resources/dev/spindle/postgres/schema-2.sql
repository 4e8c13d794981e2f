-- Spindle's PostgreSQL schema, version 2: webhook deliveries any instance can make. Applied after
-- schema-1.sql, once per schema, at start, under the same advisory lock (see Postgres.migrate).
-- One row a pending delivery: queued by the write that finishes a job with a callback URL, claimed
-- like a job (FOR UPDATE SKIP LOCKED, a lease), deleted once the delivery ends (a 2xx, a refused
-- address, or the retry schedule used up); every attempt is also recorded in the job's snapshot.
CREATE TABLE spindle_webhooks (
    -- The delivery id, sent as webhook-id on every attempt by every instance.
    id           text        PRIMARY KEY,
    -- No foreign key: a delivery outlives its job when retries go on past the job's expiry.
    job_id       text        NOT NULL,
    url          text        NOT NULL,
    -- The job as it finished (dev.spindle.jobs.Job, as Jackson writes it): the body is made from it.
    job          json        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    -- Attempts claimed so far, the one in flight included.
    attempts     integer     NOT NULL DEFAULT 0,
    -- When the next attempt is due: now when queued, then per the retry schedule after each failure.
    due          timestamptz NOT NULL DEFAULT now(),
    last_at      timestamptz,
    last_status  integer,
    -- failed (another status) or error (no response): the only outcomes a delivery is retried after.
    last_outcome text,
    last_detail  text,
    lease_token  text,
    lease_until  timestamptz
);
-- The claim query: the delivery due soonest, FOR UPDATE SKIP LOCKED.
CREATE INDEX spindle_webhooks_due ON spindle_webhooks (due);
