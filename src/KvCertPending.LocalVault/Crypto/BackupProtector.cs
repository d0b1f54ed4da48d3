using System.Security.Cryptography;
using KvCertPending.LocalVault.Hosting;

namespace KvCertPending.LocalVault.Crypto;

/// <summary>
/// Seals certificate backups (they carry private keys): AES-256-GCM under a key made at first start and kept in the
/// data folder (owner-only). A blob opens only in a vault holding the same key, as a Key Vault backup restores only
/// within the subscription and geography that made it; a blob altered in any byte does not open at all.
/// </summary>
internal sealed class BackupProtector
{
    public const string KeyFileName = "backup-key";

    private const int KeyBytes = 32;
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    /// <summary>The blob's format marker, also authenticated (associated data): a blob of another format never opens.</summary>
    private static readonly byte[] Header = "KVCPBAK1"u8.ToArray();

    private readonly byte[] _key;

    private BackupProtector(byte[] key) => _key = key;

    /// <summary>
    /// The key of this data folder, made on the first start that needs it. A key file that exists but cannot be read
    /// stops the start: replacing it would make every backup taken before unrestorable without a word.
    /// </summary>
    public static BackupProtector LoadOrCreate(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, KeyFileName);
        if (!File.Exists(path))
        {
            var created = RandomNumberGenerator.GetBytes(KeyBytes);
            PemCertificateFiles.WriteOwnerOnly(path, Convert.ToBase64String(created) + "\n");
            return new BackupProtector(created);
        }

        byte[] key;
        try
        {
            key = Convert.FromBase64String(File.ReadAllText(path).Trim());
        }
        catch (FormatException)
        {
            key = [];
        }

        return key.Length == KeyBytes
            ? new BackupProtector(key)
            : throw new InvalidOperationException($"The backup key file '{path}' is not a key this vault wrote (base64 of {KeyBytes} bytes). Restore it from where it was kept, or move it away to start with a new key (backups sealed with the old one can then not be restored).");
    }

    /// <summary>Header, nonce, tag, ciphertext.</summary>
    public byte[] Seal(ReadOnlySpan<byte> plaintext)
    {
        var blob = new byte[Header.Length + NonceBytes + TagBytes + plaintext.Length];
        Header.CopyTo(blob, 0);
        var nonce = blob.AsSpan(Header.Length, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagBytes);
        aes.Encrypt(nonce, plaintext, blob.AsSpan(Header.Length + NonceBytes + TagBytes), blob.AsSpan(Header.Length + NonceBytes, TagBytes), Header);
        return blob;
    }

    /// <summary>The plaintext, or null when the blob is not one this key sealed (another vault's, altered, truncated, not a backup).</summary>
    public byte[]? Open(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < Header.Length + NonceBytes + TagBytes || !blob[..Header.Length].SequenceEqual(Header))
        {
            return null;
        }

        var plaintext = new byte[blob.Length - Header.Length - NonceBytes - TagBytes];
        using var aes = new AesGcm(_key, TagBytes);
        try
        {
            aes.Decrypt(blob.Slice(Header.Length, NonceBytes), blob[(Header.Length + NonceBytes + TagBytes)..], blob.Slice(Header.Length + NonceBytes, TagBytes), plaintext, Header);
            return plaintext;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }
}
