using Xunit;

namespace KvCertPending.LocalVault.Tests.Infrastructure;

/// <summary>
/// One in-process local vault on a free port with a fresh data folder (deleted on dispose), shared by the tests of a
/// collection. Tests use unique certificate and issuer names, so they never see each other's objects.
/// </summary>
public sealed class VaultFixture : IAsyncLifetime, IAsyncDisposable
{
    private readonly Action<LocalVaultOptions>? configure;
    private LocalVaultServer? server;
    private VaultConnection? connection;

    public VaultFixture()
    {
    }

    private VaultFixture(Action<LocalVaultOptions> configure) => this.configure = configure;

    public string DataDirectory { get; } = VaultHost.NewDataDirectory();

    internal LocalVaultServer Server => server ?? throw new InvalidOperationException("Not started.");

    internal VaultConnection Vault => connection ?? throw new InvalidOperationException("Not started.");

    /// <summary>A started vault of a test's own, with options of its own (on top of the tests' settings); dispose it.</summary>
    public static async Task<VaultFixture> StartAsync(Action<LocalVaultOptions> configure)
    {
        var fixture = new VaultFixture(configure);
        try
        {
            await fixture.InitializeAsync();
            return fixture;
        }
        catch
        {
            await fixture.DisposeAsync();
            throw;
        }
    }

    public async Task InitializeAsync()
    {
        server = await VaultHost.StartAsync(DataDirectory, configure);
        connection = new VaultConnection(server);
    }

    public async Task DisposeAsync()
    {
        connection?.Dispose();
        if (server is not null)
        {
            await server.DisposeAsync();
        }

        VaultHost.DeleteDataDirectory(DataDirectory);
    }

    ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());
}

/// <summary>The pending lifecycle: scenarios, shapes, CA outcomes.</summary>
[CollectionDefinition(Name)]
public sealed class LifecycleCollection : ICollectionFixture<VaultFixture>
{
    public const string Name = "Lifecycle";
}

/// <summary>The rest of the surface and crypto.</summary>
[CollectionDefinition(Name)]
public sealed class SurfaceCollection : ICollectionFixture<VaultFixture>
{
    public const string Name = "Surface";
}

/// <summary>Races, on a vault of their own.</summary>
[CollectionDefinition(Name)]
public sealed class ConcurrencyCollection : ICollectionFixture<VaultFixture>
{
    public const string Name = "Concurrency";
}

/// <summary>Bad input, protocol and the generated sweep.</summary>
[CollectionDefinition(Name)]
public sealed class BadInputCollection : ICollectionFixture<VaultFixture>
{
    public const string Name = "BadInput";
}
