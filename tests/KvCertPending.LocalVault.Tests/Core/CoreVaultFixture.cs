using Xunit;

namespace KvCertPending.LocalVault.Tests.Core;

/// <summary>One local vault shared by the tests of a class (each test uses its own certificate names).</summary>
public sealed class CoreVaultFixture : IAsyncLifetime
{
    public CoreVault Vault { get; private set; } = null!;

    public async Task InitializeAsync() => Vault = await CoreVault.StartAsync();

    public async Task DisposeAsync() => await Vault.DisposeAsync();
}
