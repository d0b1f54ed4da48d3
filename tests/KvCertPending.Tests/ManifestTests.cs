using System.Collections;
using System.Management.Automation;
using Xunit;

namespace KvCertPending.Tests;

/// <summary>
/// The module manifest, source and built. Test-ModuleManifest is a Microsoft.PowerShell.Core cmdlet, so it runs in the
/// hosted 7.6 engine; the data checks read the psd1 through the PowerShell parser (what Import-PowerShellDataFile does).
/// </summary>
public sealed class ManifestTests : IClassFixture<ModuleRunspaceFixture>
{
    private static readonly string[] Editions = ["Desktop", "Core"];
    private readonly ModuleRunspaceFixture _shell;

    public ManifestTests(ModuleRunspaceFixture shell) => _shell = shell;

    [Fact]
    public void TestModuleManifestAcceptsTheBuiltManifest()
    {
        PSObject module = Assert.Single(_shell.Invoke("Test-ModuleManifest -Path $args[0] -ErrorAction Stop", RepoPaths.BuiltManifest));
        var info = (PSModuleInfo)module.BaseObject;
        Assert.Equal("KvCertPending", info.Name);
        Assert.Equal(Version.Parse(RepoPaths.VersionPrefix), info.Version);
        Assert.Equal(RepoPaths.ExportedCmdlets.Order(), info.ExportedCmdlets.Keys.Order());
        Assert.Empty(info.ExportedFunctions);
        Assert.Empty(info.ExportedAliases);
        Assert.Empty(info.ExportedVariables);
        Assert.Equal(Editions, info.CompatiblePSEditions);
        Assert.Equal(new Version(5, 1), info.PowerShellVersion);
        Assert.Equal(new Uri("https://github.com/kvcertpending/KvCertPending"), info.ProjectUri);
        Assert.NotNull(info.LicenseUri);
        Assert.False(string.IsNullOrWhiteSpace(info.ReleaseNotes));
        Assert.Contains("PendingCertificate", info.Tags);
    }

    [Fact]
    public void TheImportedModuleExportsExactlyTheManifestsCmdlets()
    {
        // The manifest's list and the cmdlets the dll really defines must agree: a cmdlet missing from either is caught.
        var exported = _shell.Invoke("(Get-Module KvCertPending).ExportedCmdlets.Keys").Select(o => o.ToString()).Order().ToList();
        Assert.Equal(RepoPaths.ExportedCmdlets.Order(), exported);
        var defined = _shell.Invoke(
            "[KvCertPending.Model.KvPendingCertificate].Assembly.GetExportedTypes() | " +
            "Where-Object { $_.IsSubclassOf([System.Management.Automation.Cmdlet]) -and -not $_.IsAbstract } | " +
            "ForEach-Object { $a = $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]; $a.VerbName + '-' + $a.NounName }")
            .Select(o => o.ToString()).Order().ToList();
        Assert.Equal(RepoPaths.ExportedCmdlets.Order(), defined);
    }

    [Fact]
    public void BuiltManifestIsTheSourceWithTheVersionStamped()
    {
        Hashtable source = ManifestData.Read(RepoPaths.SourceManifest);
        Hashtable built = ManifestData.Read(RepoPaths.BuiltManifest);
        Assert.Equal("0.0.0", source["ModuleVersion"]);
        Assert.Equal(RepoPaths.VersionPrefix, built["ModuleVersion"]);
        Assert.Equal(source.Keys.Cast<string>().Order(), built.Keys.Cast<string>().Order());
        string expected = File.ReadAllText(RepoPaths.SourceManifest)
            .Replace("ModuleVersion        = '0.0.0'", $"ModuleVersion        = '{RepoPaths.VersionPrefix}'", StringComparison.Ordinal);
        Assert.Equal(expected.TrimEnd().ReplaceLineEndings(), File.ReadAllText(RepoPaths.BuiltManifest).TrimEnd().ReplaceLineEndings());
    }

    [Fact]
    public void SourceManifestIsValidData()
    {
        Hashtable manifest = ManifestData.Read(RepoPaths.SourceManifest);
        Assert.True(Version.TryParse((string)manifest["ModuleVersion"]!, out _));
        Assert.Equal("KvCertPending.dll", manifest["RootModule"]);
        Assert.Empty((object[])manifest["FunctionsToExport"]!);
        Assert.Empty((object[])manifest["AliasesToExport"]!);
        Assert.Empty((object[])manifest["VariablesToExport"]!);
        Assert.Equal("5.1", manifest["PowerShellVersion"]);
        var psData = (Hashtable)((Hashtable)manifest["PrivateData"]!)["PSData"]!;
        foreach (string key in new[] { "Tags", "ProjectUri", "LicenseUri", "ReleaseNotes" })
        {
            Assert.True(psData.ContainsKey(key), $"PSData lacks {key}");
        }

        // Windows PowerShell 5.1 reads a BOM-less psd1 in the ANSI code page: keep it ASCII.
        Assert.All(File.ReadAllBytes(RepoPaths.SourceManifest), b => Assert.True(b < 0x80, "non-ASCII byte in KvCertPending.psd1"));
    }

    [Fact]
    public void EveryFileTheManifestNamesIsInTheModuleFolder()
    {
        Hashtable manifest = ManifestData.Read(RepoPaths.BuiltManifest);
        var named = new List<string> { (string)manifest["RootModule"]! };
        named.AddRange(((object[])manifest["FormatsToProcess"]!).Cast<string>());
        named.AddRange(((object[])manifest["TypesToProcess"]!).Cast<string>());
        Assert.Contains("KvCertPending.format.ps1xml", named);
        Assert.Contains("KvCertPending.types.ps1xml", named);
        foreach (string file in named)
        {
            Assert.True(File.Exists(Path.Combine(RepoPaths.ModuleDirectory, file)), $"{file} is not in out/KvCertPending");
        }

        Assert.True(File.Exists(Path.Combine(RepoPaths.ModuleDirectory, "en-US", "KvCertPending.dll-Help.xml")));
        Assert.True(File.Exists(Path.Combine(RepoPaths.ModuleDirectory, "en-US", "about_KvCertPending.help.txt")));
        Assert.False(File.Exists(Path.Combine(RepoPaths.ModuleDirectory, "System.Management.Automation.dll")), "the engine must not ship in the module");
    }
}
