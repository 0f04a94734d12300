-- Tasker's PostgreSQL schema: grain state for Orleans' ADO.NET grain storage (docs/adr/011), the data set, client
-- histories.
--
-- Idempotent, and safe when several silos run it at once: everything happens in one transaction that first
-- takes a transaction-scoped advisory lock, so concurrent runs queue instead of racing on CREATE TABLE.
-- Run as is from psql too: psql -v ON_ERROR_STOP=1 -f postgres-schema.sql

BEGIN;

-- 127978560398706 = 0x7461736b6572, "tasker" in ASCII: one lock for Tasker's schema changes.
SELECT pg_advisory_xact_lock(127978560398706);

-- The stored queries of Orleans' ADO.NET grain storage (Microsoft.Orleans.Persistence.AdoNet): the provider reads
-- them from this table at start-up, by key. Tasker writes its own SQL for the provider's contract (docs/adr/011):
--   * every query gets @GrainIdHash int, @GrainIdN0 bigint, @GrainIdN1 bigint, @GrainTypeHash int,
--     @GrainTypeString text (the state name), @GrainIdExtensionString text (NULL for keys without one) and
--     @ServiceId text; write and clear add @GrainStateVersion int (NULL: this holder has never read a stored
--     version), write adds @PayloadBinary bytea;
--   * read returns zero or one row with PayloadBinary and Version (a NULL payload: no state, version kept);
--   * write and clear return one row whose NewGrainStateVersion is the new version; NULL there makes the
--     provider throw InconsistentStateException: the version is the ETag that fences two holders of one grain.
CREATE TABLE IF NOT EXISTS orleansquery
(
    querykey  varchar(64) NOT NULL PRIMARY KEY,
    querytext text        NOT NULL
);

-- One row per grain state, keyed by its identity: (service, state name, grain key). The provider's two hashes are
-- functions of that identity and add nothing to a unique key; they are not stored. A missing key extension is
-- stored as '' so that the key never holds NULL. The payload is the Orleans binary format. A cleared state keeps
-- its row with a NULL payload, so that its version never starts again from 1 under an old holder.
-- The version is an int because the provider's contract is (it parses the ETag as Int32): it goes from
-- 2147483647 back to 1 instead of overflowing (docs/adr/011 says why the fence still holds).
CREATE TABLE IF NOT EXISTS tasker_grains
(
    service_id         text        NOT NULL,
    grain_type         text        NOT NULL,
    grain_id_extension text        COLLATE "C" NOT NULL,
    grain_id_n0        bigint      NOT NULL,
    grain_id_n1        bigint      NOT NULL,
    payload_binary     bytea       NULL,
    version            integer     NOT NULL,
    modified_on        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tasker_grains_pk PRIMARY KEY (service_id, grain_type, grain_id_extension, grain_id_n0, grain_id_n1)
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

-- A line carries what a listing shows: the task's progress (written at most once a second while it runs) and its
-- priority, so that a listing needs no call per task (docs/adr/017).
ALTER TABLE tasker_history ADD COLUMN IF NOT EXISTS progress_done  bigint   NULL;
ALTER TABLE tasker_history ADD COLUMN IF NOT EXISTS progress_total bigint   NULL;
ALTER TABLE tasker_history ADD COLUMN IF NOT EXISTS priority       smallint NOT NULL DEFAULT 0;

-- GET /tasks across all clients is one range read of these indexes, newest first (docs/adr/017): by id alone, or
-- by the status or type filter, then id, so that a rare status (running among a million finished) is found at once.
CREATE INDEX IF NOT EXISTS tasker_history_all ON tasker_history (service_id, task_id);
CREATE INDEX IF NOT EXISTS tasker_history_all_phase ON tasker_history (service_id, phase, task_id);
CREATE INDEX IF NOT EXISTS tasker_history_all_type ON tasker_history (service_id, type, task_id);

-- Ended tasks, kept until they expire (docs/adr/020): the retention sweep reads the oldest end of each status first.
-- Apart from tasker_history because trimming a client's history must not hide a task from its expiry.
-- Made once, and then filled with the ended tasks that the history still lists (those trimmed before it existed
-- are not known, and are not expired).
DO $ended$
BEGIN
    IF to_regclass('tasker_ended') IS NULL THEN
        CREATE TABLE tasker_ended
        (
            service_id  text        NOT NULL,
            task_id     text        COLLATE "C" NOT NULL,
            client      text        NOT NULL,
            phase       smallint    NOT NULL,
            finished_at timestamptz NOT NULL,
            CONSTRAINT tasker_ended_pk PRIMARY KEY (service_id, task_id)
        );
        INSERT INTO tasker_ended (service_id, task_id, client, phase, finished_at)
        SELECT service_id, task_id, client, phase, finished_at FROM tasker_history
         WHERE phase IN (3, 4, 5) AND finished_at IS NOT NULL;
    END IF;
END
$ended$;

CREATE INDEX IF NOT EXISTS tasker_ended_due ON tasker_ended (service_id, phase, finished_at);

-- Lines ever recorded per client, trimmed or not.
CREATE TABLE IF NOT EXISTS tasker_history_clients
(
    service_id text   NOT NULL,
    client     text   NOT NULL,
    recorded   bigint NOT NULL,
    CONSTRAINT tasker_history_clients_pk PRIMARY KEY (service_id, client)
);

-- Times tasks wait for (docs/adr/034): a row per scheduled task, read by its due shard earliest first.
CREATE TABLE IF NOT EXISTS tasker_due
(
    service_id text        NOT NULL,
    task_id    text        COLLATE "C" NOT NULL,
    shard      smallint    NOT NULL,
    due_at     timestamptz NOT NULL,
    CONSTRAINT tasker_due_pk PRIMARY KEY (service_id, task_id)
);

CREATE INDEX IF NOT EXISTS tasker_due_by_time ON tasker_due (service_id, shard, due_at);

INSERT INTO orleansquery (querykey, querytext) VALUES
(
    'ReadFromStorageKey',
    $sql$
    SELECT s.payload_binary AS "PayloadBinary",
           s.version        AS "Version"
      FROM tasker_grains AS s
     WHERE s.service_id = @ServiceId
       AND s.grain_type = @GrainTypeString
       AND s.grain_id_extension = COALESCE(@GrainIdExtensionString, '')
       AND s.grain_id_n0 = @GrainIdN0
       AND s.grain_id_n1 = @GrainIdN1
    $sql$
),
(
    -- One statement: the insert branch runs only for a first write (no version yet) and inserts or does nothing,
    -- so it never overwrites what another holder stored; the update branch runs only when the stored version is
    -- the one this holder has. The outer SELECT always yields one row: NULL when neither branch wrote.
    'WriteToStorageKey',
    $sql$
    WITH inserted AS
    (
        INSERT INTO tasker_grains
            (service_id, grain_type, grain_id_extension, grain_id_n0, grain_id_n1, payload_binary, version)
        SELECT @ServiceId, @GrainTypeString, COALESCE(@GrainIdExtensionString, ''), @GrainIdN0, @GrainIdN1,
               @PayloadBinary, 1
         WHERE @GrainStateVersion IS NULL
        ON CONFLICT ON CONSTRAINT tasker_grains_pk DO NOTHING
        RETURNING version
    ),
    updated AS
    (
        UPDATE tasker_grains AS s
           SET payload_binary = @PayloadBinary,
               version = CASE WHEN s.version = 2147483647 THEN 1 ELSE s.version + 1 END,
               modified_on = now()
         WHERE @GrainStateVersion IS NOT NULL
           AND s.service_id = @ServiceId
           AND s.grain_type = @GrainTypeString
           AND s.grain_id_extension = COALESCE(@GrainIdExtensionString, '')
           AND s.grain_id_n0 = @GrainIdN0
           AND s.grain_id_n1 = @GrainIdN1
           AND s.version = @GrainStateVersion
        RETURNING s.version
    )
    SELECT (SELECT version FROM inserted UNION ALL SELECT version FROM updated) AS "NewGrainStateVersion"
    $sql$
),
(
    -- Clearing keeps the row (and so the version sequence) and drops the payload. Same fence as a write.
    'ClearStorageKey',
    $sql$
    WITH cleared AS
    (
        UPDATE tasker_grains AS s
           SET payload_binary = NULL,
               version = CASE WHEN s.version = 2147483647 THEN 1 ELSE s.version + 1 END,
               modified_on = now()
         WHERE s.service_id = @ServiceId
           AND s.grain_type = @GrainTypeString
           AND s.grain_id_extension = COALESCE(@GrainIdExtensionString, '')
           AND s.grain_id_n0 = @GrainIdN0
           AND s.grain_id_n1 = @GrainIdN1
           AND s.version = @GrainStateVersion
        RETURNING s.version
    )
    SELECT (SELECT version FROM cleared) AS "NewGrainStateVersion"
    $sql$
)
ON CONFLICT (querykey) DO UPDATE SET querytext = EXCLUDED.querytext;

COMMIT;
