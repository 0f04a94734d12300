using System.Text.Json;

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

    public IReadOnlyList<ParameterFact> Parameters { get; } =
        [new("first", ParameterKind.Int, Example: "1", Min: 1, Max: _lines.Length, Hint: $"a line number, 1–{_lines.Length}")];

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
