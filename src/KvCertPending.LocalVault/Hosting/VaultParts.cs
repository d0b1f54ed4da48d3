using KvCertPending.LocalVault.Crypto;
using KvCertPending.LocalVault.Faults;
using KvCertPending.LocalVault.Identity;
using KvCertPending.LocalVault.Lifecycle;

namespace KvCertPending.LocalVault.Hosting;

/// <summary>The long-lived parts of one vault, made once and shared by the web application's services.</summary>
internal sealed record VaultParts(VaultCore Core, TokenIssuer Tokens, IdentitySettings Identity, FaultInjector Faults, BackupProtector Backups);
