-- Tasker's PostgreSQL schema for Orleans' ADO.NET grain storage (Microsoft.Orleans.Persistence.AdoNet).
--
-- Written for Tasker against the provider's contract (see docs in PostgresSchema.cs):
--   * the provider reads its SQL at start-up from a table it names OrleansQuery (unquoted, so orleansquery),
--     by the keys WriteToStorageKey, ReadFromStorageKey, ClearStorageKey and DeleteStorageKey;
--   * every query gets @GrainIdHash int, @GrainIdN0 bigint, @GrainIdN1 bigint, @GrainTypeHash int,
--     @GrainTypeString text, @GrainIdExtensionString text (NULL for keys without an extension) and @ServiceId text;
--     write and clear add @GrainStateVersion int (NULL = nothing stored yet), write adds @PayloadBinary bytea;
--   * read returns zero or one row with columns PayloadBinary and Version; a NULL payload means "no record";
--   * write returns one row with NewGrainStateVersion, clear and delete one row whose first column is the new
--     version; NULL there (or the version passed in) makes the provider throw InconsistentStateException.
--
-- Idempotent, and safe when several silos run it at once: everything happens in one transaction that first
-- takes a transaction-scoped advisory lock, so concurrent runs queue instead of racing on CREATE TABLE.
-- Run as is from psql too: psql -v ON_ERROR_STOP=1 -f postgres-schema.sql

BEGIN;

-- 127978560398706 = 0x7461736b6572, "tasker" in ASCII: one lock for Tasker's schema changes.
SELECT pg_advisory_xact_lock(127978560398706);

CREATE TABLE IF NOT EXISTS orleansquery
(
    querykey  varchar(64) NOT NULL PRIMARY KEY,
    querytext text        NOT NULL
);

-- One row per grain state. A missing key extension is stored as '' so that the primary key never holds NULL.
-- grain_type_hash is not part of the identity (it is derived from grain_type) and is kept for diagnostics.
CREATE TABLE IF NOT EXISTS tasker_grain_state
(
    grain_id_hash      integer     NOT NULL,
    grain_id_n0        bigint      NOT NULL,
    grain_id_n1        bigint      NOT NULL,
    grain_type_hash    integer     NOT NULL,
    grain_type         text        NOT NULL,
    grain_id_extension text        NOT NULL DEFAULT '',
    service_id         text        NOT NULL,
    payload_binary     bytea       NULL,
    version            integer     NOT NULL,
    modified_on        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tasker_grain_state_pk
        PRIMARY KEY (grain_id_hash, grain_id_n0, grain_id_n1, grain_type, grain_id_extension, service_id)
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

INSERT INTO orleansquery (querykey, querytext) VALUES
(
    'ReadFromStorageKey',
    $sql$
    SELECT s.payload_binary AS "PayloadBinary",
           s.version        AS "Version"
      FROM tasker_grain_state AS s
     WHERE s.grain_id_hash = @GrainIdHash
       AND s.grain_id_n0 = @GrainIdN0
       AND s.grain_id_n1 = @GrainIdN1
       AND s.grain_type = @GrainTypeString
       AND s.grain_id_extension = COALESCE(@GrainIdExtensionString, '')
       AND s.service_id = @ServiceId
    $sql$
),
(
    -- One statement: the insert branch runs only for the first write (no version yet) and loses quietly to a
    -- concurrent first write; the update branch runs only when the stored version is the one the grain holds.
    -- The outer scalar SELECT always yields exactly one row: NULL when neither branch wrote, i.e. an ETag conflict.
    'WriteToStorageKey',
    $sql$
    WITH inserted AS
    (
        INSERT INTO tasker_grain_state
            (grain_id_hash, grain_id_n0, grain_id_n1, grain_type_hash, grain_type,
             grain_id_extension, service_id, payload_binary, version)
        SELECT @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
               COALESCE(@GrainIdExtensionString, ''), @ServiceId, @PayloadBinary, 1
         WHERE @GrainStateVersion IS NULL
        ON CONFLICT ON CONSTRAINT tasker_grain_state_pk DO NOTHING
        RETURNING version
    ),
    updated AS
    (
        UPDATE tasker_grain_state AS s
           SET payload_binary = @PayloadBinary,
               version = s.version + 1,
               modified_on = now()
         WHERE @GrainStateVersion IS NOT NULL
           AND s.grain_id_hash = @GrainIdHash
           AND s.grain_id_n0 = @GrainIdN0
           AND s.grain_id_n1 = @GrainIdN1
           AND s.grain_type = @GrainTypeString
           AND s.grain_id_extension = COALESCE(@GrainIdExtensionString, '')
           AND s.service_id = @ServiceId
           AND s.version = @GrainStateVersion
        RETURNING s.version
    )
    SELECT (SELECT version FROM inserted UNION ALL SELECT version FROM updated) AS "NewGrainStateVersion"
    $sql$
),
(
    -- Clearing keeps the row (and so the version sequence) and drops the payload, which the provider reads as
    -- "no record". Same fence as a write: only the holder of the current version may clear.
    'ClearStorageKey',
    $sql$
    WITH cleared AS
    (
        UPDATE tasker_grain_state AS s
           SET payload_binary = NULL,
               version = s.version + 1,
               modified_on = now()
         WHERE s.grain_id_hash = @GrainIdHash
           AND s.grain_id_n0 = @GrainIdN0
           AND s.grain_id_n1 = @GrainIdN1
           AND s.grain_type = @GrainTypeString
           AND s.grain_id_extension = COALESCE(@GrainIdExtensionString, '')
           AND s.service_id = @ServiceId
           AND s.version = @GrainStateVersion
        RETURNING s.version
    )
    SELECT (SELECT version FROM cleared) AS "NewGrainStateVersion"
    $sql$
),
(
    -- Used instead of ClearStorageKey when AdoNetGrainStorageOptions.DeleteStateOnClear is set. The provider
    -- forgets the ETag afterwards; it only needs a non-NULL value that differs from the version it passed.
    'DeleteStorageKey',
    $sql$
    WITH deleted AS
    (
        DELETE FROM tasker_grain_state AS s
         WHERE s.grain_id_hash = @GrainIdHash
           AND s.grain_id_n0 = @GrainIdN0
           AND s.grain_id_n1 = @GrainIdN1
           AND s.grain_type = @GrainTypeString
           AND s.grain_id_extension = COALESCE(@GrainIdExtensionString, '')
           AND s.service_id = @ServiceId
           AND s.version = @GrainStateVersion
        RETURNING s.version
    )
    SELECT (SELECT version + 1 FROM deleted) AS "NewGrainStateVersion"
    $sql$
)
ON CONFLICT (querykey) DO UPDATE SET querytext = EXCLUDED.querytext;

COMMIT;
