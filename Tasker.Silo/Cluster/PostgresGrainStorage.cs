using System.Globalization;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Orleans.Configuration;
using Orleans.Storage;

namespace Tasker.Silo.Cluster;

/// <summary>
/// Tasker's grain state in PostgreSQL (docs/adr/010): table <c>tasker_state</c>, a row per (service, state name,
/// grain id) holding the state in the Orleans binary format and a version that grows with every write and is the
/// ETag that fences concurrent writers. One plain statement per operation, and first writes (no ETag yet: every
/// new short task) that arrive together are inserted by one statement, so that a busy silo makes one round trip
/// for many new tasks instead of one each.
/// </summary>
public sealed class PostgresGrainStorage : IGrainStorage, IAsyncDisposable
{
    private readonly NpgsqlDataSource _database;
    private readonly IGrainStorageSerializer _serializer;
    private readonly string _service;
    private readonly GroupCommit<FirstWrite, bool> _firstWrites;

    public PostgresGrainStorage(NpgsqlDataSource database, IGrainStorageSerializer serializer, IOptions<ClusterOptions> cluster)
    {
        _database = database;
        _serializer = serializer;
        _service = cluster.Value.ServiceId;
        _firstWrites = new GroupCommit<FirstWrite, bool>(InsertAsync, maxBatch: 256);
    }

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await using var command = _database.CreateCommand(
            "SELECT payload, version FROM tasker_state WHERE service_id = $1 AND state_name = $2 AND grain_id = $3");
        AddKey(command, stateName, grainId);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            Forget(grainState, etag: null);
            return;
        }

        var etag = reader.GetInt32(1).ToString(CultureInfo.InvariantCulture);
        if (await reader.IsDBNullAsync(0))
        {
            Forget(grainState, etag); // Cleared: no state, but the version goes on.
            return;
        }

        grainState.State = _serializer.Deserialize<T>(new BinaryData(reader.GetFieldValue<byte[]>(0)));
        grainState.ETag = etag;
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var payload = _serializer.Serialize(grainState.State).ToArray();
        int? version;
        if (grainState.ETag is null)
        {
            version = await _firstWrites.WriteAsync(new FirstWrite(stateName, grainId.ToString(), payload)) ? 1 : null;
        }
        else
        {
            await using var command = _database.CreateCommand("""
                UPDATE tasker_state SET payload = $4, version = version + 1, modified_on = now()
                 WHERE service_id = $1 AND state_name = $2 AND grain_id = $3 AND version = $5
                RETURNING version
                """);
            AddKey(command, stateName, grainId);
            command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = payload });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = ParseETag(grainState.ETag) });
            version = await command.ExecuteScalarAsync() as int?;
        }

        grainState.ETag = Fenced(stateName, grainId, grainState.ETag, version);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (grainState.ETag is null)
        {
            Forget(grainState, etag: null); // Nothing was ever stored by this holder.
            return;
        }

        // The row stays with a NULL payload, so that the version never starts again from 1 under an old holder.
        await using var command = _database.CreateCommand("""
            UPDATE tasker_state SET payload = NULL, version = version + 1, modified_on = now()
             WHERE service_id = $1 AND state_name = $2 AND grain_id = $3 AND version = $4
            RETURNING version
            """);
        AddKey(command, stateName, grainId);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = ParseETag(grainState.ETag) });
        var version = await command.ExecuteScalarAsync() as int?;
        Forget(grainState, Fenced(stateName, grainId, grainState.ETag, version));
    }

    public ValueTask DisposeAsync() => _firstWrites.DisposeAsync();

    /// <summary>Inserts first writes; true for each that inserted, false where the row was there already.</summary>
    private async Task<IReadOnlyList<bool>> InsertAsync(IReadOnlyList<FirstWrite> batch)
    {
        await using var command = _database.CreateCommand("""
            INSERT INTO tasker_state (service_id, state_name, grain_id, payload, version)
            SELECT $1, s, g, p, 1 FROM unnest($2::text[], $3::text[], $4::bytea[]) AS t(s, g, p)
            ON CONFLICT ON CONSTRAINT tasker_state_pk DO NOTHING
            RETURNING state_name, grain_id
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _service });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. batch.Select(w => w.StateName)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. batch.Select(w => w.GrainId)] });
        command.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. batch.Select(w => w.Payload)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        var inserted = new HashSet<(string, string)>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                inserted.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        // Remove, not Contains: of two first writes of one grain in a batch, only one inserted.
        return [.. batch.Select(w => inserted.Remove((w.StateName, w.GrainId)))];
    }

    private void AddKey(NpgsqlCommand command, string stateName, GrainId grainId)
    {
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _service });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stateName });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = grainId.ToString() });
    }

    /// <summary>The new ETag, or the conflict that another holder's write (or clear) caused.</summary>
    private static string Fenced(string stateName, GrainId grainId, string? expected, int? version) =>
        version?.ToString(CultureInfo.InvariantCulture) ?? throw new InconsistentStateException(
            $"State '{stateName}' of {grainId} was changed by another holder since version {expected ?? "(none)"}.",
            storedEtag: "(changed)", currentEtag: expected ?? "(none)");

    private static int ParseETag(string etag) => int.Parse(etag, NumberStyles.None, CultureInfo.InvariantCulture);

    private static void Forget<T>(IGrainState<T> grainState, string? etag)
    {
        grainState.State = Activator.CreateInstance<T>();
        grainState.ETag = etag;
        grainState.RecordExists = false;
    }

    private sealed record FirstWrite(string StateName, string GrainId, byte[] Payload);
}
