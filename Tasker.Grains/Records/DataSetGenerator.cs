using Bogus;

namespace Tasker.Records;

/// <summary>Fake people with a date in 2010–2019 and an amount, as the old system's data.py made them.</summary>
public static class DataSetGenerator
{
    /// <summary>The source name of generated rows.</summary>
    public const string Source = "seed";

    public static readonly DateOnly FirstDate = new(2010, 1, 1);
    public static readonly DateOnly LastDate = new(2019, 12, 31);

    /// <summary>Rows 1..<paramref name="count"/>; deterministic for a given <paramref name="seed"/>.</summary>
    public static IEnumerable<NewRecord> Generate(int count, int seed)
    {
        var faker = new Faker("en") { Random = new Randomizer(seed) };
        var days = LastDate.DayNumber - FirstDate.DayNumber + 1;
        for (var line = 1; line <= count; line++)
        {
            var first = faker.Name.FirstName();
            var last = faker.Name.LastName();
            yield return new NewRecord(
                line,
                FirstDate.AddDays(faker.Random.Int(0, days - 1)),
                $"{first} {last}",
                faker.Internet.Email(first, last),
                faker.Address.City(),
                Math.Round(faker.Random.Decimal(1m, 10_000m), 2));
        }
    }
}
