using System.Text.Json.Serialization;

namespace Tasker.Handlers;

/// <summary>How a parameter is entered: the web page's form control and the upload reader's parsing follow it.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ParameterKind>))]
public enum ParameterKind
{
    /// <summary>A JSON number, kept exactly as typed.</summary>
    [JsonStringEnumMemberName("number")] Number,

    /// <summary>A whole number within <see cref="ParameterFact.Min"/>..<see cref="ParameterFact.Max"/>.</summary>
    [JsonStringEnumMemberName("int")] Int,

    /// <summary>One line of text.</summary>
    [JsonStringEnumMemberName("text")] Text,

    /// <summary>Text of several lines.</summary>
    [JsonStringEnumMemberName("textarea")] TextArea,

    /// <summary>A secret: stored encrypted, never shown back (docs/adr/018).</summary>
    [JsonStringEnumMemberName("secret")] Secret,

    /// <summary>A date written YYYY-MM-DD.</summary>
    [JsonStringEnumMemberName("date")] Date,

    /// <summary>
    /// An uploaded file: the type is submitted as multipart/form-data with the file in a part of this name. The front
    /// end stores the file and hands the handler its stored name as <c>upload</c> and the client's name as <c>file_name</c>.
    /// </summary>
    [JsonStringEnumMemberName("file")] File,
}

/// <summary>The file a task type produces: how it is served.</summary>
/// <param name="Extension">The downloaded file's extension, with its dot.</param>
public sealed record ProducedFile(string MediaType, string Extension);

/// <summary>One parameter of a task type, as clients see it: the page's form, <c>GET /types</c> and the API reference.</summary>
/// <param name="Example">A value to start from (the page pre-fills it).</param>
/// <param name="Accept">For a file: the media types or extensions it takes.</param>
public sealed record ParameterFact(
    string Name,
    ParameterKind Kind,
    bool Optional = false,
    string? Example = null,
    long? Min = null,
    long? Max = null,
    string? Hint = null,
    string? Accept = null);
