using System.Security.Cryptography;
using System.Text;
using Tasker.Handlers;

namespace Tasker.Caching;

/// <summary>
/// The result cache's grain key: a hash of type + canonical parameters, so equal requests meet in one grain; for a type
/// cached per client (<see cref="CacheScope.PerClient"/>), of the asking client too, so that only its own requests meet.
/// </summary>
public static class ResultCacheKey
{
    /// <summary>Partitions of the short types' cache (<see cref="IShortResultCacheGrain"/>).</summary>
    public const int ShortPartitions = 64;

    public static string For(string type, string canonicalParametersJson) =>
        Convert.ToHexStringLower(Hash(type, canonicalParametersJson, owner: null));

    /// <summary>The client a result of <paramref name="handler"/>'s type is kept for when <paramref name="client"/> asks: itself, or null for everyone.</summary>
    public static string? Owner(ITaskHandler handler, string client) => handler.CacheScope == CacheScope.PerClient ? client : null;

    /// <summary>The short types' cache partition of a request: stable on every silo (unlike string hash codes).</summary>
    public static long ShortPartition(string type, string canonicalParametersJson, string? owner = null) =>
        BitConverter.ToUInt32(Hash(type, canonicalParametersJson, owner), 0) % ShortPartitions;

    private static byte[] Hash(string type, string canonicalParametersJson, string? owner) =>
        SHA256.HashData(Encoding.UTF8.GetBytes(Describe(type, canonicalParametersJson, owner)));

    /// <summary>
    /// The readable key kept in the cache's state, to tell a (vanishingly unlikely) hash collision from a hit. Canonical
    /// JSON holds no raw line break, so the owner after the second one cannot be confused with parameters.
    /// </summary>
    public static string Describe(string type, string canonicalParametersJson, string? owner = null) =>
        owner is null ? type + "\n" + canonicalParametersJson : type + "\n" + canonicalParametersJson + "\n" + owner;
}
