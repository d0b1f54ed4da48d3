namespace KvCertPending.Tests.Infrastructure;

/// <summary>A test class with its own local vault (class fixture) and one hosted session per test.</summary>
public abstract class ModuleTest : IClassFixture<ModuleVault>, IDisposable
{
    protected ModuleTest(ModuleVault vault)
    {
        Vault = vault;
        Ps = vault.OpenSession();
    }

    protected ModuleVault Vault { get; }

    protected PsSession Ps { get; }

    /// <summary>A certificate name no other test uses.</summary>
    protected static string NewName(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..10];

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            Ps.Dispose();
        }
    }
}
