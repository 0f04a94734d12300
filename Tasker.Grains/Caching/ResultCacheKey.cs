using System.Security.Cryptography;
using System.Text;

namespace Tasker.Caching;

/// <summary>The result cache's grain key: a hash of type + canonical parameters, so equal requests meet in one grain.</summary>
public static class ResultCacheKey
{
    /// <summary>Partitions of the short types' cache (<see cref="IShortResultCacheGrain"/>).</summary>
    public const int ShortPartitions = 64;

    public static string For(string type, string canonicalParametersJson) =>
        Convert.ToHexStringLower(Hash(type, canonicalParametersJson));

    /// <summary>The short types' cache partition of a request: stable on every silo (unlike string hash codes).</summary>
    public static long ShortPartition(string type, string canonicalParametersJson) =>
        BitConverter.ToUInt32(Hash(type, canonicalParametersJson), 0) % ShortPartitions;

    private static byte[] Hash(string type, string canonicalParametersJson) =>
        SHA256.HashData(Encoding.UTF8.GetBytes(Describe(type, canonicalParametersJson)));

    /// <summary>The readable key kept in the cache's state, to tell a (vanishingly unlikely) hash collision from a hit.</summary>
    public static string Describe(string type, string canonicalParametersJson) => type + "\n" + canonicalParametersJson;
}
