using Microsoft.AspNetCore.Routing.Matching;

namespace Tasker.Silo.OldSystems;

/// <summary>
/// Endpoint metadata for a route that is served only when the path ends in a slash, as <c>GET /tasks/</c> of system 001.
/// Routing ignores a trailing slash, so <c>/tasks</c> and <c>/tasks/</c> both match the canonical listing and 001's:
/// <see cref="Policy"/> keeps the marked route for the path with the slash and the other for the path without.
/// </summary>
public sealed class TrailingSlash
{
    public static TrailingSlash Required { get; } = new();

    private TrailingSlash()
    {
    }

    /// <summary>Chooses between candidates that differ only by a trailing slash, after the HTTP method has been matched.</summary>
    public sealed class Policy : MatcherPolicy, IEndpointSelectorPolicy
    {
        public override int Order => 1000; // After the HTTP method policy, so only routes of the request's method are left.

        public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints) =>
            endpoints.Any(e => e.Metadata.GetMetadata<TrailingSlash>() is not null);

        public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
        {
            var path = httpContext.Request.Path.Value;
            var slash = path is { Length: > 1 } && path.EndsWith('/');
            var marked = Enumerable.Range(0, candidates.Count)
                .Where(i => candidates.IsValidCandidate(i) && candidates[i].Endpoint.Metadata.GetMetadata<TrailingSlash>() is not null)
                .ToList();
            if (marked.Count == 0)
            {
                return Task.CompletedTask;
            }

            for (var i = 0; i < candidates.Count; i++)
            {
                // With the slash the marked routes stand alone; without it they step aside.
                if (candidates.IsValidCandidate(i) && marked.Contains(i) != slash)
                {
                    candidates.SetValidity(i, false);
                }
            }

            return Task.CompletedTask;
        }
    }
}
