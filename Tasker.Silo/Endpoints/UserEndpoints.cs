using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Tasker.Api;
using Microsoft.Extensions.Options;
using Tasker.Silo.Auth;
using Tasker.Users;
using Tasker.Silo.FrontEnd;
using Tasker.Silo.Hosting;

namespace Tasker.Silo.Endpoints;

/// <summary>The <c>/users</c> resource: users, their tiers, roles, passwords and API keys. Admins only.</summary>
public static class UserEndpoints
{
    private const int MaxLabelLength = 100;
    private static readonly string[] _userFields = ["tier", "roles", "password"];
    private static readonly string[] _keyFields = ["label"];

    public static RouteGroupBuilder MapUserEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/users").WithTags("Users").RequireAuthorization(AuthExtensions.AdminPolicy);
        group.MapGet("/", ListAsync).WithSummary("List users");
        group.MapGet("/{name}", GetAsync).WithSummary("Get a user");
        group.MapPut("/{name}", PutAsync)
            .WithSummary("Create or update a user")
            .WithDescription("tier (a configured tier; default free), roles (admin, shell), password (8–200 characters; omitted keeps the current one). 201 when created, 200 when updated.")
            .Accepts<PutUserRequest>("application/json");
        group.MapDelete("/{name}", DeleteAsync).WithSummary("Delete a user and revoke its keys");
        group.MapPost("/{name}/keys", AddKeyAsync)
            .WithSummary("Make an API key for a user")
            .WithDescription("The key is in this answer only: Tasker keeps its hash. Optional body: {\"label\": \"...\"}.")
            .Accepts<NewApiKeyRequest>("application/json");
        group.MapDelete("/{name}/keys/{keyId}", RemoveKeyAsync).WithSummary("Revoke an API key");
        return group;
    }

    public static async Task<Ok<List<UserView>>> ListAsync(IGrainFactory grains)
    {
        var names = await grains.GetGrain<IUserDirectoryGrain>(0).ListAsync();
        var users = await Task.WhenAll(names.Select(name => grains.GetGrain<IUserGrain>(name).GetAsync()));
        return TypedResults.Ok(users.OfType<UserSnapshot>().Select(UserViews.From).ToList());
    }

    public static async Task<Results<Ok<UserView>, Problem<Status.NotFound>>> GetAsync(string name, IGrainFactory grains) =>
        ClientNames.IsValid(name) && await grains.GetGrain<IUserGrain>(name).GetAsync() is { } user
            ? TypedResults.Ok(UserViews.From(user))
            : UserNotFound(name);

    public static async Task<Results<Created<UserView>, Ok<UserView>, Problem<Status.Body>, Problem<Status.Conflict>>> PutAsync(
        string name, HttpRequest request, IGrainFactory grains, IOptions<TiersOptions> tiers, IOptions<TaskerHttpOptions> options, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadObjectAsync(request, options.Value.MaxRequestBodyBytes, "tier, roles and password", cancellationToken);
        if (body.Failed)
        {
            return body.Problem;
        }

        using (var document = body.Value)
        {
            var root = document.RootElement;
            var errors = new Dictionary<string, string[]>();
            if (!ClientNames.IsValid(name))
            {
                errors["name"] = [$"a user name must be {ClientNames.Rule}"];
            }

            JsonBody.RejectUnknownFields(root, _userFields, errors, "a user");
            var tier = JsonBody.ReadString(root, "tier", errors, required: false);
            var password = JsonBody.ReadString(root, "password", errors, required: false);
            var roles = ReadRoles(root, errors);
            if (tier is not null && !tiers.Value.Tiers.ContainsKey(tier))
            {
                errors["tier"] = [$"tier must be one of {string.Join(", ", tiers.Value.Tiers.Keys.Order(StringComparer.Ordinal))}"];
            }

            if (password is not null && !Passwords.IsAcceptable(password))
            {
                errors["password"] = [$"password must be {Passwords.Rule}"];
            }

            if (errors.Count > 0)
            {
                return Problems.Invalid(errors, "The user is invalid").As<Status.Body>();
            }

            var grain = grains.GetGrain<IUserGrain>(name);
            var current = await grain.GetAsync();
            var update = new UserUpdate(
                tier ?? current?.Tier ?? TiersOptions.DefaultTier,
                roles ?? current?.Roles ?? [],
                password is null ? null : Passwords.Hash(name, password));
            var saved = await grain.SaveAsync(update);
            if (saved.User is not { } user)
            {
                return Problems.Conflict("too-many-users", "Too many users", "Tasker keeps at most 10,000 users; delete one first.");
            }

            var view = UserViews.From(user);
            return saved.Created ? TypedResults.Created($"/users/{name}", view) : TypedResults.Ok(view);
        }
    }

    public static async Task<Results<NoContent, Problem<Status.NotFound>>> DeleteAsync(string name, IGrainFactory grains) =>
        ClientNames.IsValid(name) && await grains.GetGrain<IUserGrain>(name).DeleteAsync()
            ? TypedResults.NoContent()
            : UserNotFound(name);

    public static async Task<Results<Created<NewApiKeyView>, Problem<Status.Body>, Problem<Status.NotFound>, Problem<Status.Conflict>>> AddKeyAsync(
        string name, HttpRequest request, IGrainFactory grains, IOptions<TaskerHttpOptions> options, CancellationToken cancellationToken)
    {
        if (!ClientNames.IsValid(name))
        {
            return UserNotFound(name);
        }

        string? label = null;
        if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            var body = await JsonBody.ReadObjectAsync(request, options.Value.MaxRequestBodyBytes, "an optional label", cancellationToken);
            if (body.Failed)
            {
                return body.Problem;
            }

            using (var document = body.Value)
            {
                var errors = new Dictionary<string, string[]>();
                JsonBody.RejectUnknownFields(document.RootElement, _keyFields, errors, "a key request");
                label = JsonBody.ReadString(document.RootElement, "label", errors, required: false);
                if (label is { Length: > MaxLabelLength } || label?.Any(char.IsControl) == true)
                {
                    errors["label"] = [$"label must be at most {MaxLabelLength} printable characters"];
                }

                if (errors.Count > 0)
                {
                    return Problems.Invalid(errors, "The key request is invalid").As<Status.Body>();
                }
            }
        }

        var (id, key) = ApiKeys.New();
        var outcome = await grains.GetGrain<IUserGrain>(name).AddKeyAsync(id, ApiKeys.Hash(key), label);
        return outcome.Status switch
        {
            UserKeyStatus.Done => TypedResults.Created($"/users/{name}", new NewApiKeyView(id, key, label, outcome.User!.Keys.First(k => k.Id == id).CreatedAt, name)),
            UserKeyStatus.TooManyKeys => Problems.Conflict("too-many-keys", "Too many keys", $"User '{name}' has {Tasker.Users.UserGrain.MaxKeys} keys already; revoke one first."),
            _ => UserNotFound(name),
        };
    }

    public static async Task<Results<NoContent, Problem<Status.NotFound>>> RemoveKeyAsync(string name, string keyId, IGrainFactory grains)
    {
        if (!ClientNames.IsValid(name))
        {
            return UserNotFound(name);
        }

        if (!ApiKeys.IsKeyId(keyId))
        {
            return Problems.NotFound($"User '{name}' has no key '{keyId}'.");
        }

        return (await grains.GetGrain<IUserGrain>(name).RemoveKeyAsync(keyId)).Status switch
        {
            UserKeyStatus.Done => TypedResults.NoContent(),
            UserKeyStatus.KeyNotFound => Problems.NotFound($"User '{name}' has no key '{keyId}'."),
            _ => UserNotFound(name),
        };
    }

    private static List<string>? ReadRoles(JsonElement root, Dictionary<string, string[]> errors)
    {
        if (!root.TryGetProperty("roles", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Array)
        {
            errors["roles"] = [$"roles must be an array of role names ({string.Join(", ", UserRoles.All)}), not {JsonBody.Describe(element.ValueKind)}"];
            return null;
        }

        var roles = new List<string>();
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || !UserRoles.All.Contains(item.GetString()))
            {
                errors["roles"] = [$"each role must be one of {string.Join(", ", UserRoles.All)}"];
                return null;
            }

            roles.Add(item.GetString()!);
        }

        return roles;
    }

    private static Problem<Status.NotFound> UserNotFound(string name) => Problems.NotFound($"There is no user '{name}'.");
}
