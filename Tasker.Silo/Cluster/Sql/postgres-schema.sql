-- Tasker's PostgreSQL schema: grain state (PostgresGrainStorage, docs/adr/010), the data set, client histories.
--
-- Idempotent, and safe when several silos run it at once: everything happens in one transaction that first
-- takes a transaction-scoped advisory lock, so concurrent runs queue instead of racing on CREATE TABLE.
-- Run as is from psql too: psql -v ON_ERROR_STOP=1 -f postgres-schema.sql

BEGIN;

-- 127978560398706 = 0x7461736b6572, "tasker" in ASCII: one lock for Tasker's schema changes.
SELECT pg_advisory_xact_lock(127978560398706);

-- One row per grain state: the state in the Orleans binary format, and a version that grows with every write
-- (the ETag that fences concurrent writers). A cleared state keeps its row with a NULL payload, so that its
-- version never starts again from 1.
CREATE TABLE IF NOT EXISTS tasker_state
(
    service_id  text        NOT NULL,
    state_name  text        NOT NULL,
    grain_id    text        COLLATE "C" NOT NULL,
    payload     bytea       NULL,
    version     integer     NOT NULL,
    modified_on timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tasker_state_pk PRIMARY KEY (service_id, state_name, grain_id)
);

-- The data set that csv-export reads and csv-import fills (ADR 007). (source, line) names where a row came from
-- ('seed', or an import task's id, and the line there), so storing a row again adds nothing.
CREATE TABLE IF NOT EXISTS tasker_records
(
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source text          NOT NULL,
    line   bigint        NOT NULL,
    day    date          NOT NULL,
    name   text          NOT NULL,
    email  text          NOT NULL,
    city   text          NOT NULL,
    amount numeric(18,2) NOT NULL,
    CONSTRAINT tasker_records_source_line UNIQUE (source, line)
);

CREATE INDEX IF NOT EXISTS tasker_records_day_id ON tasker_records (day, id);

-- Client histories (docs/adr/008): a row per task, read newest first by the primary key, trimmed to the cap.
-- task_id is a time-ordered UUIDv7 in hex, so its text order is creation order.
CREATE TABLE IF NOT EXISTS tasker_history
(
    service_id  text        NOT NULL,
    client      text        NOT NULL,
    task_id     text        COLLATE "C" NOT NULL,
    type        text        NOT NULL,
    phase       smallint    NOT NULL,
    cached      boolean     NOT NULL,
    created_at  timestamptz NOT NULL,
    finished_at timestamptz NULL,
    CONSTRAINT tasker_history_pk PRIMARY KEY (service_id, client, task_id)
);

-- Lines ever recorded per client, trimmed or not.
CREATE TABLE IF NOT EXISTS tasker_history_clients
(
    service_id text   NOT NULL,
    client     text   NOT NULL,
    recorded   bigint NOT NULL,
    CONSTRAINT tasker_history_clients_pk PRIMARY KEY (service_id, client)
);

COMMIT;
