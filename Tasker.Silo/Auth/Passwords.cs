using Microsoft.AspNetCore.Identity;

namespace Tasker.Silo.Auth;

/// <summary>Password hashing with ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/> (PBKDF2, salted, versioned).</summary>
public static class Passwords
{
    public const string Rule = "8 to 200 characters";

    private static readonly PasswordHasher<string> _hasher = new();

    /// <summary>Whether a password given through the API is acceptable.</summary>
    public static bool IsAcceptable(string password) => password.Length is >= 8 and <= 200 && !password.Any(char.IsControl);

    public static string Hash(string user, string password) => _hasher.HashPassword(user, password);

    public static bool Verify(string user, string hash, string password) =>
        _hasher.VerifyHashedPassword(user, hash, password) != PasswordVerificationResult.Failed;
}
