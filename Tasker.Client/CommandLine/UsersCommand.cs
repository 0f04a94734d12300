using System.CommandLine;
using Spectre.Console;
using Spectre.Console.Rendering;
using Tasker.Api;

namespace Tasker.Client.CommandLine;

/// <summary>
/// <c>tasker users list|get|put|delete</c> and <c>tasker users key create|delete</c>: the admin routes on
/// <c>/users</c>. A password is read from stdin only; a new key is printed once, the only time it is ever shown.
/// </summary>
internal static class UsersCommand
{
    public static Command Create(Func<ParseResult, CliContext> contextOf)
    {
        var users = new Command("users", "Manage users, their tiers, roles, passwords and API keys (admins only)");

        var list = new Command("list", "List the users");
        list.SetAction(async (parse, cancellationToken) =>
        {
            var context = contextOf(parse);
            var all = await context.Client.ListUsersAsync(cancellationToken);
            if (context.Json)
            {
                await Output.WriteJsonAsync(context.Io.Stdout, all);
                return ExitCodes.Ok;
            }

            var table = new Table().Border(TableBorder.Rounded).AddColumns("NAME", "TIER", "ROLES", "PASSWORD", "KEYS", "CREATED");
            foreach (var user in all)
            {
                table.AddRow(new IRenderable[]
                {
                    new Text(user.Name), new Text(user.Tier), new Text(string.Join(',', user.Roles)), new Text(user.HasPassword ? "yes" : "no"),
                    new Text(user.Keys.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)), new Text(Output.Time(user.CreatedAt)),
                });
            }

            context.Out.Write(table);
            return ExitCodes.Ok;
        });
        users.Subcommands.Add(list);

        var getName = NameArgument();
        var get = new Command("get", "Print a user") { getName };
        get.SetAction(async (parse, cancellationToken) =>
        {
            var context = contextOf(parse);
            await PrintUserAsync(context, await context.Client.GetUserAsync(parse.GetRequiredValue(getName), cancellationToken));
            return ExitCodes.Ok;
        });
        users.Subcommands.Add(get);

        var putName = NameArgument();
        var tier = new Option<string?>("--tier") { Description = "The user's tier, e.g. free or paid [default: unchanged; free for a new user]", HelpName = "TIER" };
        var roles = new Option<string?>("--roles")
        {
            Description = "The user's roles, comma-separated: admin, shell; 'none' for none [default: unchanged]",
            HelpName = "ROLES",
        };
        var password = new Option<bool>("--password-stdin") { Description = "Set the password to the first line of stdin (8 to 200 characters)" };
        var put = new Command("put", "Create a user, or change one's tier, roles or password") { putName, tier, roles, password };
        put.SetAction(async (parse, cancellationToken) =>
        {
            var context = contextOf(parse);
            var secret = parse.GetValue(password) ? await context.ReadSecretLineAsync("--password-stdin", cancellationToken) : null;
            var request = new PutUserRequest(parse.GetValue(tier), Roles(parse.GetValue(roles)), secret);
            await PrintUserAsync(context, await context.Client.PutUserAsync(parse.GetRequiredValue(putName), request, cancellationToken));
            return ExitCodes.Ok;
        });
        users.Subcommands.Add(put);

        var deleteName = NameArgument();
        var delete = new Command("delete", "Delete a user and revoke its keys") { deleteName };
        delete.SetAction(async (parse, cancellationToken) =>
        {
            var context = contextOf(parse);
            var name = parse.GetRequiredValue(deleteName);
            await context.Client.DeleteUserAsync(name, cancellationToken);
            await DoneAsync(context, new { deleted = "user", user = name }, $"User '{name}' deleted.");
            return ExitCodes.Ok;
        });
        users.Subcommands.Add(delete);

        users.Subcommands.Add(KeyCommand(contextOf));
        return users;
    }

    private static Command KeyCommand(Func<ParseResult, CliContext> contextOf)
    {
        var key = new Command("key", "Make or revoke a user's API keys");

        var createName = NameArgument();
        var label = new Option<string?>("--label") { Description = "What the key is for, e.g. the machine that uses it", HelpName = "TEXT" };
        var create = new Command("create", "Make an API key and print it: the only time it is shown (Tasker keeps its hash)") { createName, label };
        create.SetAction(async (parse, cancellationToken) =>
        {
            var context = contextOf(parse);
            var made = await context.Client.CreateKeyAsync(parse.GetRequiredValue(createName), parse.GetValue(label), cancellationToken);
            if (context.Json)
            {
                await Output.WriteJsonAsync(context.Io.Stdout, made);
                return ExitCodes.Ok;
            }

            context.Out.WriteLine($"API key {made.Id} for user '{made.User}' (shown only now; Tasker keeps its hash):");
            // The key alone on its line, so that it can be copied or cut out of the output whole.
            context.Out.WriteLine(made.Key);
            return ExitCodes.Ok;
        });
        key.Subcommands.Add(create);

        var deleteName = NameArgument();
        var keyId = new Argument<string>("key-id") { Description = "The key's id, as 'tasker users get' lists it" };
        var delete = new Command("delete", "Revoke an API key") { deleteName, keyId };
        delete.SetAction(async (parse, cancellationToken) =>
        {
            var context = contextOf(parse);
            var name = parse.GetRequiredValue(deleteName);
            var id = parse.GetRequiredValue(keyId);
            await context.Client.DeleteKeyAsync(name, id, cancellationToken);
            await DoneAsync(context, new { deleted = "key", user = name, key = id }, $"Key {id} of user '{name}' revoked.");
            return ExitCodes.Ok;
        });
        key.Subcommands.Add(delete);
        return key;
    }

    private static Argument<string> NameArgument() => new("name") { Description = "The user's name (also its client name)" };

    /// <summary>The roles to send: null keeps the user's, <c>none</c> clears them.</summary>
    private static List<string>? Roles(string? text) => text switch
    {
        null => null,
        "none" or "" => [],
        _ => [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)],
    };

    private static async Task PrintUserAsync(CliContext context, UserView user)
    {
        if (context.Json)
        {
            await Output.WriteJsonAsync(context.Io.Stdout, user);
            return;
        }

        var grid = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();
        void Row(string name, string value) => grid.AddRow(new Text(name, new Style(decoration: Decoration.Bold)), new Text(value));
        Row("name", user.Name);
        Row("tier", user.Tier);
        Row("roles", user.Roles.Count == 0 ? "none" : string.Join(',', user.Roles));
        Row("password", user.HasPassword ? "set" : "none");
        Row("created", Output.Time(user.CreatedAt));
        Row("updated", Output.Time(user.UpdatedAt));
        context.Out.Write(grid);
        if (user.Keys.Count > 0)
        {
            var keys = new Table().Border(TableBorder.Rounded).AddColumns("KEY ID", "LABEL", "CREATED");
            foreach (var key in user.Keys)
            {
                keys.AddRow(new IRenderable[] { new Text(key.Id), new Text(key.Label ?? ""), new Text(Output.Time(key.CreatedAt)) });
            }

            context.Out.Write(keys);
        }
    }

    private static async Task DoneAsync(CliContext context, object json, string text)
    {
        if (context.Json)
        {
            await Output.WriteJsonAsync(context.Io.Stdout, json);
        }
        else
        {
            context.Out.WriteLine(text);
        }
    }
}
