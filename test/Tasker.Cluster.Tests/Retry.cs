using System.Net;
using Tasker.Client;

namespace Tasker.Cluster.Tests;

/// <summary>Retries a call through the moments a cluster is healing: refused connections, 503s and timeouts.</summary>
public static class Retry
{
    public static bool IsTransient(Exception exception) => exception switch
    {
        HttpRequestException => true,
        TaskCanceledException => true,
        TaskerApiException api => api.StatusCode == HttpStatusCode.ServiceUnavailable,
        _ => false,
    };

    public static async Task<T> UntilAsync<T>(Func<Task<T>> call, TimeSpan within, Func<T, bool>? done = null)
    {
        var deadline = DateTime.UtcNow + within;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var value = await call();
                if (done is null || done(value))
                {
                    return value;
                }
            }
            catch (Exception exception) when (IsTransient(exception))
            {
                last = exception;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"not done within {within}; last error: {last?.Message}", last);
    }

    /// <summary>A server error other than 503 is a bug, whatever else is going on.</summary>
    public static void NoServerErrorButUnavailable(Exception exception)
    {
        if (exception is TaskerApiException api && (int)api.StatusCode >= 500)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, api.StatusCode);
        }
    }
}
