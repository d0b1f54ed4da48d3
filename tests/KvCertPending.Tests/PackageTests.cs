using System.Collections;
using System.IO.Compression;
using System.Xml.Linq;
using Xunit;

namespace KvCertPending.Tests;

/// <summary>
/// The PowerShell Gallery-shaped package: packs out/KvCertPending with the .NET SDK (as build.ps1 -Task Package does)
/// into a temporary folder, then opens the .nupkg and checks its nuspec, its tags and its files.
/// </summary>
public sealed class PackageTests : IDisposable
{
    private readonly string _output = Path.Combine(Path.GetTempPath(), "kvcertpending-pack-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_output))
        {
            Directory.Delete(_output, recursive: true);
        }
    }

    [Fact]
    public void PackageHasTheModuleAtItsRootAndTheGalleryTags()
    {
        string project = Path.Combine(RepoPaths.Root, "build", "KvCertPending.Package", "KvCertPending.Package.csproj");
        (int exitCode, string log) = ProcessRunner.Run(ProcessRunner.Dotnet,
            ["pack", project, "--configuration", RepoPaths.Configuration, "--output", _output, "--nologo"],
            RepoPaths.Root, TimeSpan.FromMinutes(5));
        Assert.True(exitCode == 0, log);

        string version = RepoPaths.VersionPrefix;
        string package = Path.Combine(_output, $"KvCertPending.{version}.nupkg");
        Assert.True(File.Exists(package), log);
        using ZipArchive zip = ZipFile.OpenRead(package);

        // The nuspec: identity, metadata from the manifest, and the tags the Gallery indexes.
        ZipArchiveEntry nuspecEntry = Assert.Single(zip.Entries, e => e.FullName == "KvCertPending.nuspec");
        XDocument nuspec;
        using (Stream stream = nuspecEntry.Open())
        {
            nuspec = XDocument.Load(stream);
        }

        XNamespace ns = nuspec.Root!.Name.Namespace;
        XElement metadata = nuspec.Root.Element(ns + "metadata")!;
        Hashtable manifest = ManifestData.Read(RepoPaths.BuiltManifest);
        Assert.Equal("KvCertPending", metadata.Element(ns + "id")!.Value);
        Assert.Equal(version, metadata.Element(ns + "version")!.Value);
        Assert.Equal(manifest["Author"], metadata.Element(ns + "authors")!.Value);
        Assert.Equal(manifest["Description"], metadata.Element(ns + "description")!.Value);
        Assert.Equal("MIT", metadata.Element(ns + "license")!.Value);
        Assert.Null(metadata.Element(ns + "dependencies"));
        var tags = metadata.Element(ns + "tags")!.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        foreach (string tag in new[] { "PSModule", "PSIncludes_Cmdlet", "PSEdition_Desktop", "PSEdition_Core" })
        {
            Assert.Contains(tag, tags);
        }

        foreach (string cmdlet in RepoPaths.ExportedCmdlets)
        {
            Assert.Contains("PSCmdlet_" + cmdlet, tags);
            Assert.Contains("PSCommand_" + cmdlet, tags);
        }

        var psData = (Hashtable)((Hashtable)manifest["PrivateData"]!)["PSData"]!;
        foreach (object tag in (object[])psData["Tags"]!)
        {
            Assert.Contains((string)tag, tags);
        }

        // The files: exactly the module folder, at the package root (no lib/ or content/), plus NuGet's own parts.
        var packaged = zip.Entries
            .Select(e => e.FullName)
            .Where(n => n != "KvCertPending.nuspec" && n != "[Content_Types].xml" && !n.StartsWith("_rels/", StringComparison.Ordinal) && !n.StartsWith("package/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        var moduleFiles = Directory.EnumerateFiles(RepoPaths.ModuleDirectory, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(RepoPaths.ModuleDirectory, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(moduleFiles, packaged);
        Assert.Contains("KvCertPending.psd1", packaged);
        Assert.Contains("KvCertPending.dll", packaged);
        Assert.Contains("en-US/KvCertPending.dll-Help.xml", packaged);
        Assert.Contains("en-US/about_KvCertPending.help.txt", packaged);
        Assert.DoesNotContain("System.Management.Automation.dll", packaged);

        // The manifest inside is the built one, byte for byte.
        using var reader = new StreamReader(zip.GetEntry("KvCertPending.psd1")!.Open());
        Assert.Equal(File.ReadAllText(RepoPaths.BuiltManifest), reader.ReadToEnd());
    }
}
