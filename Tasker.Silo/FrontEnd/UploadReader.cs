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
/// Reads a submission of a type that takes an upload (its handler has a <see cref="ParameterKind.File"/> parameter, e.g.
/// csv-import) as multipart/form-data: the fields type, client, priority and the type's other parameters, and the file
/// in the part its handler names. The file is kept under its content hash, so a retried upload
/// names the same file and an Idempotency-Key finds the same request.
/// </summary>
public sealed class UploadReader(TaskHandlerRegistry handlers, TaskFiles files, IOptions<FilesOptions> options)
{
    private const int MaxFileNameLength = 255;

    /// <summary>True for a multipart/form-data body.</summary>
    public static bool IsMultipart(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && media.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase);

    /// <summary>A checked upload: the task to submit, and its file staged until the task is allowed.</summary>
    public sealed record Upload(TaskSubmission Submission, StagedUpload File);

    public Task<Outcome<Upload, Status.Body>> ReadAsync(HttpRequest request, CancellationToken cancellationToken) =>
        ReadAsync(request, fixedType: null, defaultClient: null, cancellationToken);

    /// <summary>
    /// Reads an upload; with <paramref name="fixedType"/> and <paramref name="defaultClient"/>, as the old systems' upload
    /// forms are, the form names neither <c>type</c> nor <c>client</c>. The file comes back staged: the submission seam
    /// puts it in place once the task is allowed, and it is removed on any refusal.
    /// </summary>
    public async Task<Outcome<Upload, Status.Body>> ReadAsync(
        HttpRequest request, string? fixedType, string? defaultClient, CancellationToken cancellationToken)
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
            return TooLarge(limit);
        }
        catch (Exception exception) when (exception is InvalidDataException or IOException or BadHttpRequestException)
        {
            return Problems.BadRequest("malformed-form", "Malformed form", $"The multipart body could not be read: {exception.Message}").As<Status.Body>();
        }

        var errors = new Dictionary<string, string[]>();
        var type = fixedType ?? Single(form, "type", errors, required: true);
        var handler = type is not null && handlers.TryGet(type, out var known) && known.TakesUpload ? known : null;
        if (type is not null && handler is null)
        {
            var uploadTypes = string.Join(", ", handlers.Types.Where(t => handlers.Get(t).TakesUpload));
            errors["type"] = [handlers.TryGet(type, out _)
                ? $"only {uploadTypes} take an uploaded file; send {type} as JSON"
                : $"type '{type}' is unknown; the types that take an uploaded file: {uploadTypes}"];
        }

        var file = handler?.Parameters.First(p => p.Kind == ParameterKind.File);
        var parameterFields = handler?.Parameters.Where(p => p.Kind != ParameterKind.File).Select(p => p.Name).ToList() ?? [];
        string[] fields = [.. fixedType is null ? ["type", "client"] : Array.Empty<string>(), "priority", .. parameterFields];
        foreach (var key in form.Keys.Where(k => !fields.Contains(k, StringComparer.Ordinal) && (handler is not null || k is not ("type" or "client"))))
        {
            errors[key] = [$"{key} is not a field of this upload (expected: {string.Join(", ", fields)}, and the file in a part named {file?.Name ?? "file"})"];
        }

        var client = defaultClient ?? Single(form, "client", errors, required: Auth.Submitters.ClientRequired(request));
        var priorityText = Single(form, "priority", errors, required: false);

        if (client is not null && !ClientNames.IsValid(client))
        {
            errors["client"] = [$"client must be {ClientNames.Rule}"];
        }

        var priority = TaskPriority.Normal;
        if (priorityText is not null && !TaskPriorities.TryParseWire(priorityText, out priority))
        {
            errors["priority"] = ["priority must be one of high, normal, low"];
        }

        client = Auth.Submitters.Resolve(request, client, priority, errors);

        var part = file?.Name ?? "file";
        var uploads = form.Files.GetFiles(part);
        foreach (var other in form.Files.Where(f => f.Name != part))
        {
            errors[other.Name] = [$"{other.Name} is not a file part of this upload (the file goes in a part named {part})"];
        }

        if (uploads.Count != 1)
        {
            errors[part] = [uploads.Count == 0 ? $"{part} is required: the file in a part named {part}" : $"{part} must be sent once"];
        }
        else if (uploads[0].Length == 0)
        {
            errors[part] = [$"{part} is empty"];
        }

        if (errors.Count > 0 || handler is null)
        {
            return Problems.Invalid(errors, "The upload is invalid").As<Status.Body>();
        }

        var (upload, staged) = await StageAsync(uploads[0], cancellationToken);
        var fileName = Path.GetFileName(uploads[0].FileName);
        var parameters = Parameters(upload, fileName.Length is > 0 and <= MaxFileNameLength ? fileName : "upload", handler, form, errors);
        var check = handler.Validate(parameters);
        foreach (var (field, messages) in check.Errors)
        {
            errors[field] = messages;
        }

        if (errors.Count > 0 || check.CanonicalJson is null)
        {
            staged.Dispose();
            return Problems.Invalid(errors, "The upload is invalid").As<Status.Body>();
        }

        return new Upload(new TaskSubmission(handler.Type, check.CanonicalJson, client!, priority), staged);
    }

    /// <summary>Receives the upload beside the files directory's uploads and hashes it; returns the hash and the staged file.</summary>
    private async Task<(string UploadId, StagedUpload Staged)> StageAsync(IFormFile file, CancellationToken cancellationToken)
    {
        var incoming = files.IncomingUpload();
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using (var source = file.OpenReadStream())
            await using (var target = TaskFiles.CreateNew(incoming))
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
            return (upload, new StagedUpload(incoming, files.Upload(upload)));
        }
        catch
        {
            File.Delete(incoming);
            throw;
        }
    }

    /// <summary>The parameters as the handler checks them: the stored file as <c>upload</c> and <c>file_name</c>, then the form's fields.</summary>
    private static JsonElement Parameters(string upload, string fileName, ITaskHandler handler, IFormCollection form, Dictionary<string, string[]> errors)
    {
        var values = new Dictionary<string, object> { ["upload"] = upload, ["file_name"] = fileName };
        foreach (var parameter in handler.Parameters.Where(p => p.Kind != ParameterKind.File))
        {
            if (Single(form, parameter.Name, errors, required: false) is not { } text)
            {
                continue;
            }

            if (parameter.Kind is not ParameterKind.Int)
            {
                values[parameter.Name] = text;
            }
            else if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number))
            {
                values[parameter.Name] = number;
            }
            else
            {
                errors["params." + parameter.Name] = [$"params.{parameter.Name} must be a whole number"];
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

    private static Problem<Status.Body> TooLarge(long limit) =>
        Problems.Problem<Status.Body>(StatusCodes.Status413PayloadTooLarge, "Upload too large", "upload-too-large",
            $"The file is larger than the limit of {limit} bytes (Tasker:Files:MaxUploadBytes).");
}
