using Microsoft.AspNetCore.DataProtection;
using Tasker.Secrets;

namespace Tasker.Silo.Secrets;

/// <summary>Secret parameters encrypted with ASP.NET Core Data Protection, under the key ring every silo shares (docs/adr/018).</summary>
public sealed class DataProtectionSecrets(IDataProtectionProvider provider) : ISecretProtector
{
    /// <summary>The purpose string: a protector for another purpose cannot open these values.</summary>
    public const string Purpose = "Tasker.TaskParameters.v1";

    private readonly IDataProtector _protector = provider.CreateProtector(Purpose);

    public string Protect(string plaintext) => _protector.Protect(plaintext);

    public string Unprotect(string protectedText) => _protector.Unprotect(protectedText);
}
