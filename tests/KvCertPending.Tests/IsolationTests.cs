using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.Loader;
using Azure.Security.KeyVault.Certificates;
using KvCertPending.Hosting;
using KvCertPending.Tests.Infrastructure;

namespace KvCertPending.Tests;

/// <summary>
/// Dependency isolation (issue 5): the cmdlet assembly references no Azure assembly, the engine and the Azure SDK ship in
/// Dependencies/ and, on PowerShell 7, load into the module's own AssemblyLoadContext "KvCertPending". This test process
/// itself already holds Azure.Core / Azure.Identity in its default context (its own references, as a session with
/// Az.Accounts would), and another, older Azure.Core in a third context: the module must use its own copies and leave
/// the others working. (Windows PowerShell 5.1's resolver cannot run here: no .NET Framework on this machine.)
/// </summary>
public sealed class IsolationTests : IClassFixture<ModuleVault>
{
    private readonly ModuleVault _vault;

    public IsolationTests(ModuleVault vault) => _vault = vault;

    private static string ModuleDirectory => RepositoryPaths.ModuleDirectory;

    [Fact]
    public void TheCmdletAssemblyReferencesNoAzureAssemblyAndTheSdkShipsInDependencies()
    {
        using var stream = File.OpenRead(Path.Combine(ModuleDirectory, "KvCertPending.dll"));
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var references = metadata.AssemblyReferences.Select(h => metadata.GetString(metadata.GetAssemblyReference(h).Name)).ToList();
        Assert.Contains("System.Management.Automation", references);
        Assert.DoesNotContain(references, r => r.StartsWith("Azure.", StringComparison.Ordinal) || r.StartsWith("Microsoft.Identity", StringComparison.Ordinal) || r == "KvCertPending.Engine");

        Assert.Equal(["KvCertPending.dll"], Directory.GetFiles(ModuleDirectory, "*.dll").Select(Path.GetFileName));
        foreach (var name in new[] { "KvCertPending.Engine.dll", "Azure.Core.dll", "Azure.Identity.dll", "Azure.Security.KeyVault.Certificates.dll", "Microsoft.Identity.Client.dll" })
        {
            Assert.True(File.Exists(Path.Combine(ModuleDirectory, "Dependencies", name)), name + " ships in Dependencies/");
        }
    }

    [Fact]
    public async Task TheModuleUsesItsOwnSdkCopiesBesideTheHostsAndAnOlderOne()
    {
        // An older Azure.Core in a context of its own, loaded before the module does anything (as Az.Accounts does on PowerShell 7).
        var older = LoadOlderAzureCore();
        var hostsAzureCore = typeof(Azure.Core.TokenCredential).Assembly;

        using (var ps = _vault.OpenSession())
        {
            ps.Run("New-KvCertificate -VaultUri $VaultUri -Name iso-cert -Subject 'CN=iso' | Get-KvPendingCertificate | Remove-KvPendingCertificate -Force -PassThru").Single();
        }

        var dependencies = Path.GetFullPath(Path.Combine(ModuleDirectory, "Dependencies")) + Path.DirectorySeparatorChar;
        var engine = Assert.Single(AppDomain.CurrentDomain.GetAssemblies(), a => a.GetName().Name == "KvCertPending.Engine");
        var context = AssemblyLoadContext.GetLoadContext(engine)!;
        Assert.Equal("KvCertPending", context.Name);
        Assert.StartsWith(dependencies, engine.Location, StringComparison.Ordinal);
        foreach (var name in new[] { "Azure.Core", "Azure.Identity", "Azure.Security.KeyVault.Certificates", "Microsoft.Identity.Client" })
        {
            var ours = Assert.Single(context.Assemblies, a => a.GetName().Name == name);
            Assert.StartsWith(dependencies, ours.Location, StringComparison.Ordinal);
        }

        // The engine really bound to the module's copy, not to the host's (same name, same version, default context).
        var engineAzureCore = engine.GetReferencedAssemblies().Single(r => r.Name == "Azure.Core");
        Assert.Same(context.Assemblies.Single(a => a.GetName().Name == "Azure.Core"), context.LoadFromAssemblyName(engineAzureCore));
        Assert.NotSame(hostsAzureCore, context.LoadFromAssemblyName(engineAzureCore));
        Assert.Same(AssemblyLoadContext.Default, AssemblyLoadContext.GetLoadContext(hostsAzureCore));

        // The others keep working: the host's SDK talks to the same vault, the older Azure.Core still makes its types.
        var pending = await _vault.Client.GetCertificateAsync("iso-cert");
        Assert.Equal("iso-cert", pending.Value.Name);
        var accessToken = older.GetType("Azure.Core.AccessToken", throwOnError: true)!;
        var token = Activator.CreateInstance(accessToken, "older-token", DateTimeOffset.UtcNow.AddMinutes(5))!;
        Assert.Equal("older-token", accessToken.GetProperty("Token")!.GetValue(token));
        Assert.True(older.GetName().Version < context.Assemblies.Single(a => a.GetName().Name == "Azure.Core").GetName().Version);
    }

    [Fact]
    public void RemoveModuleAndImportAgainWorks()
    {
        using var ps = _vault.OpenSession();
        ps.SetVariable("modulePath", RepositoryPaths.ModuleManifest);
        ps.Run("New-KvCertificate -VaultUri $VaultUri -Name reimport-cert -Subject 'CN=re'").Single();
        ps.Run("Remove-Module KvCertPending").AssertNoErrors();
        Assert.Empty(ps.Run("Get-Module KvCertPending").Output);
        Assert.NotEmpty(ps.Run("Get-KvPendingCertificate -VaultUri $VaultUri -Name reimport-cert").Errors);

        ps.Run("Import-Module $modulePath").AssertNoErrors();
        Assert.Equal("reimport-cert", (string)ps.Run("Get-KvPendingCertificate -VaultUri $VaultUri -Name reimport-cert").Single().Name);
        ps.Run("Remove-Module KvCertPending; Import-Module $modulePath").AssertNoErrors();
        Assert.Equal("reimport-cert", (string)ps.Run("Remove-KvPendingCertificate -VaultUri $VaultUri -Name reimport-cert -Force -PassThru").Single().Name);
    }

    /// <summary>Azure.Core 1.53.0 from the NuGet cache (the module ships a newer one), in a load context of its own.</summary>
    private static Assembly LoadOlderAzureCore()
    {
        var packages = System.Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var path = Path.Combine(packages, "azure.core", "1.53.0", "lib", "net8.0", "Azure.Core.dll");
        Assert.True(File.Exists(path), "Azure.Core 1.53.0 is expected in the NuGet cache: " + path);
        return new AssemblyLoadContext("OtherModule").LoadFromAssemblyPath(path);
    }
}
