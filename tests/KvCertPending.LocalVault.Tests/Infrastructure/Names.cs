namespace KvCertPending.LocalVault.Tests.Infrastructure;

/// <summary>Unique, valid Key Vault object names (1-127 of 0-9 a-z A-Z -), so tests sharing one vault never collide.</summary>
internal static class Names
{
    public static string New(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 1 + 20, 127)];
}
