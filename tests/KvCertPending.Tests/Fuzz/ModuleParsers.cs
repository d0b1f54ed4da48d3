using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography.X509Certificates;
using KvCertPending.Hosting;

namespace KvCertPending.Tests.Fuzz;

/// <summary>
/// The module's parser classes, reached by reflection in the assemblies a real Import-Module of out/KvCertPending
/// loaded (the cmdlet assembly, and the engine in the module's own load context): the fuzzers call exactly the code a
/// user runs. Exceptions come out unwrapped (not as TargetInvocationException).
/// </summary>
internal sealed class ModuleParsers
{
    private static readonly Lazy<ModuleParsers> Shared = new(Load);

    private readonly MethodInfo _readBytes;
    private readonly MethodInfo _readX5c;
    private readonly MethodInfo _prepare;
    private readonly MethodInfo _fromCsr;
    private readonly MethodInfo _fromJson;
    private readonly MethodInfo _fromObject;
    private readonly MethodInfo _build;
    private readonly MethodInfo _nameIsValid;
    private readonly MethodInfo _fromName;
    private readonly MethodInfo _fromUri;
    private readonly Type _policyParameters;
    private readonly Type _cloud;

    private ModuleParsers(Assembly cmdlets, Assembly engine)
    {
        Type Find(Assembly assembly, string name) => assembly.GetType(name, throwOnError: true)!;
        MethodInfo Static(Type type, string name) =>
            type.GetMethod(name, BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
            ?? throw new MissingMethodException(type.FullName, name);

        var chainReader = Find(cmdlets, "KvCertPending.Engine.ChainReader");
        _readBytes = Static(chainReader, "ReadBytes");
        _readX5c = Static(chainReader, "ReadX5c");
        _prepare = Static(Find(cmdlets, "KvCertPending.Engine.MergeChain"), "Prepare");
        _fromCsr = Static(Find(cmdlets, "KvCertPending.Engine.PublicKeyInfo"), "FromCsr");
        _nameIsValid = Static(Find(cmdlets, "KvCertPending.Engine.CertificateNames"), "IsValid");
        var endpoint = Find(cmdlets, "KvCertPending.Engine.VaultEndpoint");
        _fromName = Static(endpoint, "FromName");
        _fromUri = Static(endpoint, "FromUri");
        _policyParameters = Find(cmdlets, "KvCertPending.Engine.PolicyParameters");
        _cloud = Find(cmdlets, "KvCertPending.Model.KvCloudEnvironment");
        var reader = Find(engine, "KvCertPending.Engine.PolicyReader");
        _fromJson = Static(reader, "FromJson");
        _fromObject = Static(reader, "FromObject");
        _build = Static(Find(engine, "KvCertPending.Engine.PolicyBuilder"), "Build");
        CmdletAssembly = cmdlets;
    }

    public static ModuleParsers Instance => Shared.Value;

    public Assembly CmdletAssembly { get; }

    public List<X509Certificate2> ReadBytes(byte[] bytes, List<string> warnings) =>
        (List<X509Certificate2>)Call(_readBytes, bytes, (Action<string>)warnings.Add)!;

    public List<X509Certificate2> ReadX5c(IEnumerable<string> items, List<string> warnings) =>
        (List<X509Certificate2>)Call(_readX5c, items, (Action<string>)warnings.Add)!;

    public IReadOnlyList<X509Certificate2> Prepare(string name, IReadOnlyList<X509Certificate2> chain, byte[]? csr, List<string> warnings) =>
        (IReadOnlyList<X509Certificate2>)Call(_prepare, name, chain, csr, DateTimeOffset.UtcNow, (Action<string>)warnings.Add)!;

    public object FromCsr(byte[] csr) => Call(_fromCsr, csr)!;

    /// <summary>The SDK's CertificatePolicy (the module's own copy of the SDK type).</summary>
    public object PolicyFromJson(string json, string name) => Call(_fromJson, json, name)!;

    public object PolicyFromObject(object value, string name) => Call(_fromObject, value, name)!;

    /// <summary>PolicyBuilder.Build over a PolicyParameters whose properties are set from <paramref name="values"/>.</summary>
    public object BuildPolicy(IReadOnlyDictionary<string, object?> values, string name)
    {
        var parameters = Activator.CreateInstance(_policyParameters, nonPublic: true)!;
        foreach (var (property, value) in values)
        {
            _policyParameters.GetProperty(property)!.SetValue(parameters, value);
        }

        return Call(_build, parameters, name)!;
    }

    public bool IsValidCertificateName(string? name) => (bool)Call(_nameIsValid, name)!;

    /// <summary>VaultEndpoint.FromName in the public cloud; returns the endpoint's VaultUri.</summary>
    public Uri VaultFromName(string? name) => EndpointUri(Call(_fromName, name, Enum.ToObject(_cloud, 0)));

    /// <summary>VaultEndpoint.FromUri; returns (VaultUri, IsAzureHost).</summary>
    public (Uri Uri, bool IsAzureHost) VaultFromUri(Uri? uri)
    {
        var endpoint = Call(_fromUri, uri)!;
        return (EndpointUri(endpoint), (bool)endpoint.GetType().GetProperty("IsAzureHost")!.GetValue(endpoint)!);
    }

    /// <summary>The stable id and category of a module error (KvCertPendingException), or null for any other exception.</summary>
    public static (string ErrorId, ErrorCategory Category)? ModuleError(Exception exception)
    {
        var type = exception.GetType();
        if (type.FullName != "KvCertPending.Engine.KvCertPendingException")
        {
            return null;
        }

        return ((string)type.GetProperty("ErrorId")!.GetValue(exception)!, (ErrorCategory)type.GetProperty("Category")!.GetValue(exception)!);
    }

    private static Uri EndpointUri(object? endpoint) => (Uri)endpoint!.GetType().GetProperty("VaultUri")!.GetValue(endpoint)!;

    private static object? Call(MethodInfo method, params object?[] arguments)
    {
        try
        {
            return method.Invoke(null, arguments);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
            throw;
        }
    }

    private static ModuleParsers Load()
    {
        // Import the built module as a user would; the engine loads on first use, through the module's own loader.
        // KVCERTPENDING_FUZZ_MODULE (a psd1 path) points the fuzzers at another build, e.g. an older one, to count what it breaks.
        var manifest = System.Environment.GetEnvironmentVariable("KVCERTPENDING_FUZZ_MODULE") is { Length: > 0 } other ? other : RepositoryPaths.ModuleManifest;
        using var runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        runspace.Open();
        using var ps = PowerShell.Create();
        ps.Runspace = runspace;
        ps.AddCommand("Import-Module").AddParameter("Name", manifest).AddParameter("PassThru", true);
        var module = (PSModuleInfo)ps.Invoke().Single().BaseObject;
        var cmdlets = module.ImplementingAssembly ?? throw new InvalidOperationException("The module has no implementing assembly.");
        var loader = cmdlets.GetType("KvCertPending.Engine.EngineLoader", throwOnError: true)!;
        var engine = loader.GetProperty("Engine", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)!.GetValue(null)!;
        return new ModuleParsers(cmdlets, engine.GetType().Assembly);
    }
}
