-- Tasker's SQLite schema for the durable embedded mode (docs/adr/019): grain state for Orleans' ADO.NET grain
-- storage, the data set, client histories, the tasks to wake at start-up, and the Data Protection key ring, all in
-- one file. The same tables and the same semantics as Cluster/Sql/postgres-schema.sql, in SQLite's dialect.
--
-- Idempotent: run in one IMMEDIATE transaction (the file's write lock) at every start-up. PRAGMA user_version is
-- the schema's version: 1 is this script; a file with a higher one was written by a newer Tasker and is refused.

CREATE TABLE IF NOT EXISTS orleansquery
(
    querykey  TEXT NOT NULL PRIMARY KEY,
    querytext TEXT NOT NULL
);

-- One row per grain state, keyed by its identity, as tasker_grains in PostgreSQL (docs/adr/011): the provider's
-- hashes are not stored, a missing key extension is '', a cleared state keeps its row (NULL payload) and version.
-- The version goes from 2147483647 back to 1 (the provider reads it as Int32).
CREATE TABLE IF NOT EXISTS tasker_grains
(
    service_id         TEXT    NOT NULL,
    grain_type         TEXT    NOT NULL,
    grain_id_extension TEXT    NOT NULL,
    grain_id_n0        INTEGER NOT NULL,
    grain_id_n1        INTEGER NOT NULL,
    payload_binary     BLOB    NULL,
    version            INTEGER NOT NULL,
    modified_on        TEXT    NOT NULL,
    PRIMARY KEY (service_id, grain_type, grain_id_extension, grain_id_n0, grain_id_n1)
) WITHOUT ROWID;

-- The data set (ADR 007); (source, line) names where a row came from. amount is kept as text, exact.
CREATE TABLE IF NOT EXISTS tasker_records
(
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT    NOT NULL,
    line   INTEGER NOT NULL,
    day    TEXT    NOT NULL,
    name   TEXT    NOT NULL,
    email  TEXT    NOT NULL,
    city   TEXT    NOT NULL,
    amount TEXT    NOT NULL,
    UNIQUE (source, line)
);

CREATE INDEX IF NOT EXISTS tasker_records_day_id ON tasker_records (day, id);

-- Client histories (docs/adr/008, 017): a row per task, newest first by task id (time-ordered, so text order is
-- creation order). Times are Unix milliseconds.
CREATE TABLE IF NOT EXISTS tasker_history
(
    service_id     TEXT    NOT NULL,
    client         TEXT    NOT NULL,
    task_id        TEXT    NOT NULL,
    type           TEXT    NOT NULL,
    phase          INTEGER NOT NULL,
    cached         INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    finished_at    INTEGER NULL,
    progress_done  INTEGER NULL,
    progress_total INTEGER NULL,
    priority       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (service_id, client, task_id)
) WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS tasker_history_all ON tasker_history (service_id, task_id);
CREATE INDEX IF NOT EXISTS tasker_history_all_phase ON tasker_history (service_id, phase, task_id);
CREATE INDEX IF NOT EXISTS tasker_history_all_type ON tasker_history (service_id, type, task_id);

CREATE TABLE IF NOT EXISTS tasker_history_clients
(
    service_id TEXT    NOT NULL,
    client     TEXT    NOT NULL,
    recorded   INTEGER NOT NULL,
    PRIMARY KEY (service_id, client)
) WITHOUT ROWID;

-- Tasks that had not ended at their last history line: the ones to wake at start-up, since embedded mode keeps its
-- reminders in memory (docs/adr/019). Written with the history line, in the same transaction; unlike the history, it
-- is never trimmed, so a long task whose line was trimmed away is still woken.
CREATE TABLE IF NOT EXISTS tasker_unfinished
(
    service_id TEXT NOT NULL,
    task_id    TEXT NOT NULL,
    client     TEXT NOT NULL,
    PRIMARY KEY (service_id, task_id)
) WITHOUT ROWID;

-- Ended tasks, kept until they expire (docs/adr/020), as tasker_ended in PostgreSQL: apart from tasker_history
-- because trimming a client's history must not hide a task from its expiry. Times are Unix milliseconds. Filled from
-- the history when it is made (a file from before retention); after that the history store writes it.
CREATE TABLE IF NOT EXISTS tasker_ended
(
    service_id  TEXT    NOT NULL,
    task_id     TEXT    NOT NULL,
    client      TEXT    NOT NULL,
    phase       INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    PRIMARY KEY (service_id, task_id)
) WITHOUT ROWID;

INSERT OR IGNORE INTO tasker_ended (service_id, task_id, client, phase, finished_at)
SELECT service_id, task_id, client, phase, finished_at FROM tasker_history
 WHERE phase IN (3, 4, 5) AND finished_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tasker_ended);

CREATE INDEX IF NOT EXISTS tasker_ended_due ON tasker_ended (service_id, phase, finished_at);

-- Times tasks wait for (docs/adr/034): a row per scheduled task, read by its due shard earliest first. due_at is in
-- Unix milliseconds.
CREATE TABLE IF NOT EXISTS tasker_due
(
    service_id TEXT    NOT NULL,
    task_id    TEXT    NOT NULL,
    shard      INTEGER NOT NULL,
    due_at     INTEGER NOT NULL,
    PRIMARY KEY (service_id, task_id)
) WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS tasker_due_by_time ON tasker_due (service_id, shard, due_at);

-- The Data Protection key ring (docs/adr/018), so that a sealed secret parameter opens after a restart.
CREATE TABLE IF NOT EXISTS tasker_data_protection_keys
(
    service_id    TEXT NOT NULL,
    friendly_name TEXT NOT NULL,
    xml           TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (service_id, friendly_name)
) WITHOUT ROWID;

-- The provider's contract, as in postgres-schema.sql: read returns PayloadBinary and Version; write and clear return
-- one row whose NewGrainStateVersion is the new version, NULL when the holder's version was not the stored one.
INSERT INTO orleansquery (querykey, querytext) VALUES
(
    'ReadFromStorageKey',
    'SELECT payload_binary AS PayloadBinary, version AS Version
       FROM tasker_grains
      WHERE service_id = @ServiceId AND grain_type = @GrainTypeString
        AND grain_id_extension = COALESCE(@GrainIdExtensionString, '''')
        AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1'
),
(
    -- One upsert: a first write (no version) inserts, or does nothing when the row is there; a later write updates
    -- only where the stored version is the holder's. The SELECT makes no row for a versioned write of a missing row.
    -- RETURNING yields no row when nothing was written, which the provider takes as a refused version.
    'WriteToStorageKey',
    'INSERT INTO tasker_grains
         (service_id, grain_type, grain_id_extension, grain_id_n0, grain_id_n1, payload_binary, version, modified_on)
     SELECT @ServiceId, @GrainTypeString, COALESCE(@GrainIdExtensionString, ''''), @GrainIdN0, @GrainIdN1,
            @PayloadBinary, 1, strftime(''%Y-%m-%dT%H:%M:%fZ'', ''now'')
      WHERE @GrainStateVersion IS NULL
         OR EXISTS (SELECT 1 FROM tasker_grains
                     WHERE service_id = @ServiceId AND grain_type = @GrainTypeString
                       AND grain_id_extension = COALESCE(@GrainIdExtensionString, '''')
                       AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1)
     ON CONFLICT (service_id, grain_type, grain_id_extension, grain_id_n0, grain_id_n1) DO UPDATE
        SET payload_binary = excluded.payload_binary,
            version = CASE WHEN tasker_grains.version = 2147483647 THEN 1 ELSE tasker_grains.version + 1 END,
            modified_on = excluded.modified_on
      WHERE @GrainStateVersion IS NOT NULL AND tasker_grains.version = @GrainStateVersion
     RETURNING version AS NewGrainStateVersion'
),
(
    -- Clearing keeps the row (and so the version sequence) and drops the payload. Same fence as a write.
    'ClearStorageKey',
    'UPDATE tasker_grains
        SET payload_binary = NULL,
            version = CASE WHEN version = 2147483647 THEN 1 ELSE version + 1 END,
            modified_on = strftime(''%Y-%m-%dT%H:%M:%fZ'', ''now'')
      WHERE service_id = @ServiceId AND grain_type = @GrainTypeString
        AND grain_id_extension = COALESCE(@GrainIdExtensionString, '''')
        AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
        AND version = @GrainStateVersion
     RETURNING version AS NewGrainStateVersion'
)
ON CONFLICT (querykey) DO UPDATE SET querytext = excluded.querytext;

PRAGMA user_version = 1;
