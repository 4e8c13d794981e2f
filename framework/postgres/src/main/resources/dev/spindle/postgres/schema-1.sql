-- Spindle's PostgreSQL schema, version 1: the shared job store. Applied once per schema, at start,
-- under an advisory lock (see Postgres.migrate); never edit a released version, add schema-2.sql.
CREATE TABLE spindle_jobs (
    id          text        PRIMARY KEY,
    kind        text        NOT NULL,
    state       text        NOT NULL,
    version     bigint      NOT NULL,
    created_at  timestamptz NOT NULL,
    finished_at timestamptz,
    -- The whole snapshot (dev.spindle.jobs.Job) as Jackson writes it; json, not jsonb, so results keep their key order.
    snapshot    json        NOT NULL,
    attempts    integer     NOT NULL DEFAULT 0,
    due         timestamptz NOT NULL DEFAULT now(),
    lease_token text,
    lease_until timestamptz
);
-- The claim query: the oldest due queued job, FOR UPDATE SKIP LOCKED.
CREATE INDEX spindle_jobs_queue ON spindle_jobs (due, created_at) WHERE state = 'QUEUED';
-- The lease policy: leases that lapsed.
CREATE INDEX spindle_jobs_leases ON spindle_jobs (lease_until) WHERE lease_until IS NOT NULL;
-- GET /jobs: newest first.
CREATE INDEX spindle_jobs_recent ON spindle_jobs (created_at DESC, id DESC);
-- Expiry sweeps: finished jobs.
CREATE INDEX spindle_jobs_finished ON spindle_jobs (finished_at) WHERE finished_at IS NOT NULL;
