using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;

namespace Tasker.Silo.Cluster;

/// <summary>Tasker's grain state through Orleans' ADO.NET grain storage, on PostgreSQL or SQLite (docs/adr/011, 019).</summary>
internal static class AdoNetStateStorage
{
    /// <summary>
    /// Registers the ADO.NET grain storage named <see cref="TaskerStorage.Name"/> on the database that
    /// <paramref name="invariant"/> and <paramref name="connectionString"/> name, storing state with the Orleans
    /// serializer, which honours <c>[GenerateSerializer]</c>/<c>[Id]</c>/<c>[Alias]</c>: renaming a state class or its
    /// namespace does not orphan stored rows (the provider's default, type-named JSON, would).
    /// </summary>
    public static ISiloBuilder AddTaskerAdoNetStorage(this ISiloBuilder silo, string invariant, string connectionString) =>
        silo.AddAdoNetGrainStorage(TaskerStorage.Name, (OptionsBuilder<AdoNetGrainStorageOptions> options) => options
            .Configure<Serializer>((storage, serializer) =>
            {
                storage.Invariant = invariant;
                storage.ConnectionString = connectionString;
                storage.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
            }));
}
