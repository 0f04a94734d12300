using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Tasker.Records;

/// <summary>
/// Creates the configured data set when the store holds fewer seeded rows, before the silo takes requests. Rows are
/// deterministic and stored by (source, line), so silos that start together insert each row once.
/// </summary>
public sealed partial class DataSetSeeder(IRecordStore store, IOptions<DataSetOptions> options, ILogger<DataSetSeeder> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    private const int BatchRows = 10_000;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(DataSetSeeder), ServiceLifecycleStage.ApplicationServices + 1, SeedAsync);

    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        var wanted = options.Value.Rows;
        var present = await store.CountSourceAsync(DataSetGenerator.Source, cancellationToken);
        if (present >= wanted)
        {
            return;
        }

        var added = 0;
        foreach (var batch in DataSetGenerator.Generate(wanted, options.Value.Seed).Chunk(BatchRows))
        {
            added += await store.AddAsync(DataSetGenerator.Source, batch, cancellationToken);
        }

        await store.ArrangeByDateAsync(cancellationToken);
        Seeded(logger, added, wanted);
    }
}
