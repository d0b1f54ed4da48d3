using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;

namespace KvCertPending.Engine
{
    /// <summary>
    /// Loads the engine (KvCertPending.Engine.dll) and the Azure SDK it uses from the module's Dependencies folder, on first
    /// use (never at import), so they cannot clash with other versions in the session (Az.Accounts, Microsoft.Graph...):
    /// <list type="bullet">
    /// <item>PowerShell 7 (.NET): into the module's own AssemblyLoadContext "KvCertPending", created by reflection since this
    /// assembly targets netstandard2.0. Every dependency that is not part of the .NET runtime is loaded into it up front, so
    /// the engine binds to our copies even when the default context already holds another version of the same assembly.</item>
    /// <item>Windows PowerShell 5.1 (.NET Framework): Assembly.LoadFrom, and an AppDomain.AssemblyResolve handler that
    /// answers only for the assemblies in our Dependencies folder.</item>
    /// </list>
    /// This assembly itself references no Azure type: the cmdlets reach the engine only through <see cref="IVaultEngine"/>.
    /// </summary>
    internal static class EngineLoader
    {
        /// <summary>The name of the module's load context on PowerShell 7.</summary>
        public const string LoadContextName = "KvCertPending";

        private const string EngineAssemblyName = "KvCertPending.Engine";
        private const string EngineTypeName = "KvCertPending.Engine.VaultEngine";

        private static readonly object Gate = new();
        private static readonly Lazy<IReadOnlyDictionary<string, string>> Dependencies = new(ListDependencies);
        private static IVaultEngine? _engine;
        private static Func<string, Assembly>? _loadIntoContext;
        private static bool _resolverRegistered;

        /// <summary>The folder the engine and its dependencies ship in.</summary>
        public static string DependencyDirectory { get; } =
            Path.Combine(Path.GetDirectoryName(typeof(EngineLoader).Assembly.Location) ?? string.Empty, "Dependencies");

        /// <summary>The engine, loaded on first use.</summary>
        public static IVaultEngine Engine
        {
            get
            {
                lock (Gate)
                {
                    return _engine ??= Load();
                }
            }
        }

        /// <summary>Called at import: lets the runtime find our dependencies (only ours). Cheap: no file is loaded here.</summary>
        public static void RegisterResolver()
        {
            lock (Gate)
            {
                if (!_resolverRegistered)
                {
                    AppDomain.CurrentDomain.AssemblyResolve += Resolve;
                    _resolverRegistered = true;
                }
            }
        }

        /// <summary>Called at Remove-Module.</summary>
        public static void UnregisterResolver()
        {
            lock (Gate)
            {
                AppDomain.CurrentDomain.AssemblyResolve -= Resolve;
                _resolverRegistered = false;
            }
        }

        private static IVaultEngine Load()
        {
            RegisterResolver();
            var path = Dependencies.Value.TryGetValue(EngineAssemblyName, out var found) ? found
                : throw new FileNotFoundException("The module's engine is missing from its Dependencies folder.", Path.Combine(DependencyDirectory, EngineAssemblyName + ".dll"));
            var assembly = LoadDependency(path);
            var type = assembly.GetType(EngineTypeName, throwOnError: true)!;
            return (IVaultEngine)Activator.CreateInstance(type, nonPublic: true)!;
        }

        /// <summary>Loads one of our dependency files: into the module's load context on .NET, with LoadFrom on .NET Framework.</summary>
        private static Assembly LoadDependency(string path)
        {
            var load = _loadIntoContext ??= CreateLoadContext() ?? Assembly.LoadFrom;
            return load(path);
        }

        /// <summary>
        /// On .NET: a new AssemblyLoadContext (by reflection), with every dependency that the runtime does not itself provide
        /// loaded into it. On .NET Framework: null (there are no load contexts).
        /// </summary>
        private static Func<string, Assembly>? CreateLoadContext()
        {
            var contextType = typeof(object).Assembly.GetType("System.Runtime.Loader.AssemblyLoadContext", throwOnError: false);
            if (contextType is null)
            {
                return null;
            }

            var context = contextType.GetConstructor(new[] { typeof(string), typeof(bool) })!.Invoke(new object[] { LoadContextName, false });
            var loadFromPath = contextType.GetMethod("LoadFromAssemblyPath", new[] { typeof(string) })!;
            Assembly LoadIntoContext(string path)
            {
                try
                {
                    return (Assembly)loadFromPath.Invoke(context, new object[] { path })!;
                }
                catch (TargetInvocationException ex) when (ex.InnerException is not null)
                {
                    throw ex.InnerException;
                }
            }

            // The runtime's own assemblies (System.*) stay shared: ours are netstandard back-ports of them.
            var runtimeDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location) ?? string.Empty;
            foreach (var dependency in Dependencies.Value.Where(d => d.Key != EngineAssemblyName && !File.Exists(Path.Combine(runtimeDirectory, d.Key + ".dll"))))
            {
                LoadIntoContext(dependency.Value);
            }

            return LoadIntoContext;
        }

        /// <summary>
        /// Answers only for an assembly that is in our Dependencies folder (the engine, the Azure SDK, their back-ports), and
        /// for this assembly itself (the engine references it); everything else is left to the runtime and other handlers.
        /// </summary>
        private static Assembly? Resolve(object? sender, ResolveEventArgs args)
        {
            var name = new AssemblyName(args.Name);
            if (string.Equals(name.Name, typeof(EngineLoader).Assembly.GetName().Name, StringComparison.OrdinalIgnoreCase))
            {
                return typeof(EngineLoader).Assembly;
            }

            if (name.Name is null || !Dependencies.Value.TryGetValue(name.Name, out var path))
            {
                return null;
            }

            // Someone else's request (another module asking for its own Azure.Core) is not ours to answer.
            if (args.RequestingAssembly is { } requester && !IsOurs(requester))
            {
                return null;
            }

            // Only a request that our own files can satisfy: not an older copy for someone asking for a newer version.
            if (name.Version is not null && AssemblyName.GetAssemblyName(path).Version is { } ours && ours < name.Version)
            {
                return null;
            }

            lock (Gate)
            {
                return LoadDependency(path);
            }
        }

        private static bool IsOurs(Assembly assembly) =>
            assembly == typeof(EngineLoader).Assembly
            || (!assembly.IsDynamic && assembly.Location.Length > 0
                && string.Equals(Path.GetDirectoryName(assembly.Location), DependencyDirectory, StringComparison.OrdinalIgnoreCase));

        private static IReadOnlyDictionary<string, string> ListDependencies() =>
            Directory.Exists(DependencyDirectory)
                ? Directory.GetFiles(DependencyDirectory, "*.dll").ToDictionary(f => Path.GetFileNameWithoutExtension(f), f => f, StringComparer.OrdinalIgnoreCase)
                : new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
    }
}
