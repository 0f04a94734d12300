using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Tasker.Files;
using Tasker.Handlers;

namespace Tasker.Silo.FrontEnd;

/// <summary>
/// Reads a <c>csv-import</c> submitted as multipart/form-data: the fields type, client, priority, max_bad_rows and
/// chunk_rows, and the CSV in a part named <c>file</c>. The file is kept under its content hash, so a retried upload
/// names the same file and an Idempotency-Key finds the same request.
/// </summary>
public sealed class UploadReader(TaskHandlerRegistry handlers, TaskFiles files, IOptions<FilesOptions> options)
{
    private const int MaxFileNameLength = 255;
    private static readonly string[] _fields = ["type", "client", "priority", "max_bad_rows", "chunk_rows"];
    private static readonly string[] _fieldsWithDefaultClient = ["priority", "max_bad_rows", "chunk_rows"];

    /// <summary>True for a multipart/form-data body.</summary>
    public static bool IsMultipart(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && media.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase);

    public Task<(TaskSubmission? Submission, IResult? Problem)> ReadAsync(HttpRequest request, CancellationToken cancellationToken) =>
        ReadAsync(request, defaultClient: null, cancellationToken);

    /// <summary>
    /// Reads an upload; with <paramref name="defaultClient"/>, as the old systems' upload forms are, the form names neither
    /// <c>type</c> (it can only be csv-import) nor <c>client</c> (it is that client).
    /// </summary>
    public async Task<(TaskSubmission? Submission, IResult? Problem)> ReadAsync(HttpRequest request, string? defaultClient, CancellationToken cancellationToken)
    {
        var limit = options.Value.MaxUploadBytes;
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limit + (64 * 1024); // The form's own fields and boundaries besides the file.
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(new FormOptions { MultipartBodyLengthLimit = limit + (64 * 1024), ValueCountLimit = 16 }, cancellationToken);
        }
        catch (Exception exception) when (IsTooLarge(exception))
        {
            return (null, TooLarge(limit));
        }
        catch (Exception exception) when (exception is InvalidDataException or IOException or BadHttpRequestException)
        {
            return (null, Problems.BadRequest("malformed-form", "Malformed form", $"The multipart body could not be read: {exception.Message}"));
        }

        var errors = new Dictionary<string, string[]>();
        var fields = defaultClient is null ? _fields : _fieldsWithDefaultClient;
        foreach (var key in form.Keys.Where(k => !fields.Contains(k, StringComparer.Ordinal)))
        {
            errors[key] = [$"{key} is not a field of an upload (expected: {string.Join(", ", fields)}, and the file in a part named file)"];
        }

        var type = defaultClient is null ? Single(form, "type", errors, required: true) : CsvImportHandler.TypeName;
        var client = defaultClient ?? Single(form, "client", errors, required: Auth.Submitters.ClientRequired(request));
        var priorityText = Single(form, "priority", errors, required: false);
        if (type is not null && type != CsvImportHandler.TypeName)
        {
            errors["type"] = [$"only {CsvImportHandler.TypeName} takes an uploaded file; send {type} as JSON"];
        }

        if (client is not null && !ClientNames.IsValid(client))
        {
            errors["client"] = [$"client must be {ClientNames.Rule}"];
        }

        var priority = TaskPriority.Normal;
        if (priorityText is not null && !TaskRequestReader.TryParsePriority(priorityText, out priority))
        {
            errors["priority"] = ["priority must be one of high, normal, low"];
        }

        client = Auth.Submitters.Resolve(request, client, priority, errors);

        var uploads = form.Files.GetFiles("file");
        foreach (var other in form.Files.Where(f => f.Name != "file"))
        {
            errors[other.Name] = [$"{other.Name} is not a file part of an upload (the CSV goes in a part named file)"];
        }

        if (uploads.Count != 1)
        {
            errors["file"] = [uploads.Count == 0 ? "file is required: the CSV in a part named file" : "file must be sent once"];
        }
        else if (uploads[0].Length == 0)
        {
            errors["file"] = ["file is empty"];
        }

        if (errors.Count > 0)
        {
            return (null, Problems.Invalid(errors, "The upload is invalid"));
        }

        var upload = await StoreAsync(uploads[0], cancellationToken);
        var fileName = Path.GetFileName(uploads[0].FileName);
        var parameters = Parameters(upload, fileName.Length is > 0 and <= MaxFileNameLength ? fileName : "upload.csv", form, errors);
        var check = handlers.Get(CsvImportHandler.TypeName).Validate(parameters);
        foreach (var (field, messages) in check.Errors)
        {
            errors[field] = messages;
        }

        return errors.Count > 0 || check.CanonicalJson is null
            ? (null, Problems.Invalid(errors, "The upload is invalid"))
            : (new TaskSubmission(CsvImportHandler.TypeName, check.CanonicalJson, client!, priority), null);
    }

    /// <summary>Copies the upload to the files directory under the hash of its content; returns that name.</summary>
    private async Task<string> StoreAsync(IFormFile file, CancellationToken cancellationToken)
    {
        var incoming = files.IncomingUpload();
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using (var source = file.OpenReadStream())
            await using (var target = new FileStream(incoming, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }

                target.Flush(flushToDisk: true);
            }

            var upload = Convert.ToHexStringLower(hash.GetHashAndReset(), 0, 16);
            File.Move(incoming, files.Upload(upload), overwrite: true);
            return upload;
        }
        finally
        {
            File.Delete(incoming);
        }
    }

    private static JsonElement Parameters(string upload, string fileName, IFormCollection form, Dictionary<string, string[]> errors)
    {
        var values = new Dictionary<string, object> { ["upload"] = upload, ["file_name"] = fileName };
        foreach (var name in new[] { "max_bad_rows", "chunk_rows" })
        {
            if (Single(form, name, errors, required: false) is { } text)
            {
                if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number))
                {
                    values[name] = number;
                }
                else
                {
                    errors["params." + name] = [$"params.{name} must be a whole number"];
                }
            }
        }

        return JsonSerializer.SerializeToElement(values);
    }

    private static string? Single(IFormCollection form, string name, Dictionary<string, string[]> errors, bool required)
    {
        if (!form.TryGetValue(name, out var values) || values.Count == 0)
        {
            if (required)
            {
                errors[name] = [$"{name} is required"];
            }

            return null;
        }

        if (values.Count > 1)
        {
            errors[name] = [$"{name} must be given once"];
            return null;
        }

        return values[0];
    }

    private static bool IsTooLarge(Exception exception) => exception switch
    {
        BadHttpRequestException bad => bad.StatusCode == StatusCodes.Status413PayloadTooLarge,
        InvalidDataException data => data.Message.Contains("limit", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    private static IResult TooLarge(long limit) =>
        Problems.Problem(StatusCodes.Status413PayloadTooLarge, "Upload too large", "upload-too-large",
            $"The file is larger than the limit of {limit} bytes (Tasker:Files:MaxUploadBytes).");
}
