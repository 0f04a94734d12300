using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Tasker.Silo.Secrets;

/// <summary>
/// Encrypts the key ring's secret elements with AES-GCM under <see cref="SecretsOptions.RingKey"/>, a key kept out of
/// the database (configuration, a container secret), so that a dump of the database opens neither ring nor
/// parameters (docs/adr/018).
/// </summary>
public sealed class RingKeyXmlEncryptor(byte[] ringKey) : IXmlEncryptor
{
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        var plaintext = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var sealedBytes = new byte[NonceSize + plaintext.Length + TagSize];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(ringKey, TagSize))
        {
            aes.Encrypt(nonce, plaintext, sealedBytes.AsSpan(NonceSize, plaintext.Length), sealedBytes.AsSpan(NonceSize + plaintext.Length));
        }

        return new EncryptedXmlInfo(new XElement("taskerRingKeyEncrypted", Convert.ToBase64String(sealedBytes)), typeof(RingKeyXmlDecryptor));
    }

    /// <summary>Opens what <see cref="Encrypt"/> sealed; a ring element sealed under another key throws.</summary>
    public static XElement Decrypt(byte[] ringKey, XElement encryptedElement)
    {
        var sealedBytes = Convert.FromBase64String(encryptedElement.Value);
        var length = sealedBytes.Length - NonceSize - TagSize;
        var plaintext = new byte[length];
        using (var aes = new AesGcm(ringKey, TagSize))
        {
            aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize, length), sealedBytes.AsSpan(NonceSize + length), plaintext);
        }

        return XElement.Parse(Encoding.UTF8.GetString(plaintext));
    }
}

/// <summary>The decryptor Data Protection creates (by type, with the services) for elements <see cref="RingKeyXmlEncryptor"/> sealed.</summary>
public sealed class RingKeyXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement) =>
        services.GetRequiredService<IOptions<SecretsOptions>>().Value.RingKeyBytes() is { } key
            ? RingKeyXmlEncryptor.Decrypt(key, encryptedElement)
            : throw new CryptographicException("The key ring is encrypted, and Tasker:Secrets:RingKey is not set on this silo.");
}
