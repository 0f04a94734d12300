using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Tasker.Handlers;

/// <summary><c>input</c>: the worker of the old 003 system, a short computation on a string.</summary>
public sealed class InputHandler(IOptions<InputOptions> options) : IInstantTaskHandler
{
    public string Type => "input";

    public string Description => "length, word count, reversal and SHA-256 of `input_param`";

    public bool Cacheable => true;

    // Free text: another client's hit would tell that someone sent the same words.
    public CacheScope CacheScope => CacheScope.PerClient;

    // Built on first use, not at construction: the options are validated at start, and a bad one must be reported there.
    private IReadOnlyList<ParameterFact>? _parameters;

    public IReadOnlyList<ParameterFact> Parameters => _parameters ??=
        [new("input_param", ParameterKind.TextArea, Max: options.Value.MaxInputLength, Hint: "any text")];

    public ParameterCheck Validate(JsonElement parameters)
    {
        var reader = new ParameterReader(parameters);
        reader.Text("input_param", options.Value.MaxInputLength);
        return reader.Complete();
    }

    public string Execute(string parametersJson)
    {
        var input = CanonicalParameters.Text(CanonicalParameters.Parse(parametersJson), "input_param");
        var graphemes = new List<string>();
        var elements = StringInfo.GetTextElementEnumerator(input);
        while (elements.MoveNext())
        {
            graphemes.Add(elements.GetTextElement());
        }

        graphemes.Reverse();
        var reversed = string.Concat(graphemes);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(input)));
        var words = input.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
        return JsonSerializer.Serialize(new { length = input.Length, words, reversed, sha256 = hash });
    }
}
