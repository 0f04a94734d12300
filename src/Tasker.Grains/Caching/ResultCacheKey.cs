using System.Security.Cryptography;
using System.Text;

namespace Tasker.Caching;

/// <summary>The result cache's grain key: a hash of type + canonical parameters, so equal requests meet in one grain.</summary>
public static class ResultCacheKey
{
    public static string For(string type, string canonicalParametersJson) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Describe(type, canonicalParametersJson))));

    /// <summary>The readable key kept in the cache's state, to tell a (vanishingly unlikely) hash collision from a hit.</summary>
    public static string Describe(string type, string canonicalParametersJson) => type + "\n" + canonicalParametersJson;
}
