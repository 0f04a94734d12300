using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Tasker.Handlers;

/// <summary><c>surprise</c>: line <c>first</c> of a well-known public-domain song, for the caller to recognise.</summary>
public sealed class SurpriseHandler : IInstantTaskHandler
{
    // "The Star" by Jane Taylor (1806), public domain.
    private static readonly string[] _lines =
    [
        "Twinkle, twinkle, little star,",
        "How I wonder what you are!",
        "Up above the world so high,",
        "Like a diamond in the sky.",
        "Twinkle, twinkle, little star,",
        "How I wonder what you are!",
        "When the blazing sun is gone,",
        "When he nothing shines upon,",
        "Then you show your little light,",
        "Twinkle, twinkle, all the night.",
        "Twinkle, twinkle, little star,",
        "How I wonder what you are!",
    ];

    public string Type => "surprise";

    public string Description => $"line `first` (1–{_lines.Length}) of a well-known public-domain song";

    public bool Cacheable => true;

    public ParameterCheck Validate(JsonElement parameters)
    {
        var reader = new ParameterReader(parameters);
        reader.Integer("first", 1, _lines.Length);
        return reader.Complete();
    }

    public string Execute(string parametersJson)
    {
        var line = CanonicalParameters.Integer(CanonicalParameters.Parse(parametersJson), "first");
        return JsonSerializer.Serialize(_lines[line - 1]);
    }
}

/// <summary><c>input</c>: the worker of the old 003 system, a short computation on a string.</summary>
public sealed class InputHandler(IOptions<TaskerOptions> options) : IInstantTaskHandler
{
    public string Type => "input";

    public string Description => "length, word count, reversal and SHA-256 of `input_param`";

    public bool Cacheable => true;

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
        var elements = System.Globalization.StringInfo.GetTextElementEnumerator(input);
        while (elements.MoveNext())
        {
            graphemes.Add(elements.GetTextElement());
        }

        graphemes.Reverse();
        var reversed = string.Concat(graphemes);
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(input)));
        var words = input.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
        return JsonSerializer.Serialize(new { length = input.Length, words, reversed, sha256 = hash });
    }
}
