namespace KvCertPending.Hosting;

/// <summary>Finds the repository the running binary was built from, and the module folder the build assembled.</summary>
public static class RepositoryPaths
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>The repository root: the nearest ancestor of the running binary that holds KvCertPending.sln.</summary>
    public static string Root => RootPath.Value;

    /// <summary>The importable module folder, out/KvCertPending, as a user would import it.</summary>
    public static string ModuleDirectory => Path.Combine(Root, "out", "KvCertPending");

    /// <summary>The built module's manifest.</summary>
    public static string ModuleManifest => Path.Combine(ModuleDirectory, "KvCertPending.psd1");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "KvCertPending.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException(
            $"No KvCertPending.sln above '{AppContext.BaseDirectory}': run from a build inside the repository.");
    }
}
