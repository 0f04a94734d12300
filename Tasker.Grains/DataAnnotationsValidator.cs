using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Tasker;

/// <summary>Validates options by their data annotations and <see cref="IValidatableObject"/>, naming every failure.</summary>
public sealed class DataAnnotationsValidator<TOptions> : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var results = new List<ValidationResult>();
        return Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(results.Select(r => $"{typeof(TOptions).Name}: {r.ErrorMessage}"));
    }
}
