using System.Management.Automation;
using System.Reflection;
using System.Security;
using KvCertPending.Hosting;

namespace KvCertPending.Bench;

/// <summary>
/// The loaded module's own engine call, reached by reflection: the session the cmdlet would open for this vault (same
/// client, policies, credential and Azure.Core build), so the per-call scenario can time the engine apart from the
/// cmdlet around it. Made from script as <c>$Engine.Get('name')</c>, blocking on the engine's task as the cmdlet does.
/// </summary>
public sealed class EngineCall
{
    private readonly object _session;
    private readonly MethodInfo _get;

    private EngineCall(object session, MethodInfo get)
    {
        _session = session;
        _get = get;
    }

    /// <summary>Opens the engine session of the module imported in <paramref name="session"/> (after a first cmdlet call loaded the engine).</summary>
    public static EngineCall Open(ModuleSession session, Uri vaultUri)
    {
        var module = session.Run("Get-Module KvCertPending").Output.Select(o => (PSModuleInfo)o.BaseObject).Single();
        var assembly = module.ImplementingAssembly ?? throw new InvalidOperationException("KvCertPending is not a binary module.");
        const BindingFlags Any = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance;
        Type Internal(string name) => assembly.GetType("KvCertPending." + name, throwOnError: true)!;

        var engine = Internal("Engine.EngineLoader").GetProperty("Engine", Any)!.GetValue(null)!;
        var engineInterface = Internal("Engine.IVaultEngine");
        var endpoint = Internal("Engine.VaultEndpoint").GetMethod("FromUri", Any)!.Invoke(null, [vaultUri]);
        var pem = session.Run("$KvCertPendingTrustedCertificate").Output.Single().BaseObject;
        var trust = Internal("Engine.TrustedCertificate").GetMethod("Resolve", Any)!.Invoke(null, [pem, (Func<string, string>)(p => p)]);
        using var token = new SecureString();
        foreach (var c in ModuleSession.LocalVaultToken)
        {
            token.AppendChar(c);
        }

        var credential = engineInterface.GetMethod("FromAccessToken")!.Invoke(engine, [token]);
        var vaultSession = engineInterface.GetMethod("Open")!.Invoke(engine, [endpoint, credential, trust, null])!;
        return new EngineCall(vaultSession, Internal("Engine.IVaultSession").GetMethod("GetPendingAsync")!);
    }

    /// <summary>One GET of the pending object, as Get-KvPendingCertificate -Name makes it.</summary>
    public object Get(string name)
    {
        var task = (Task)_get.Invoke(_session, [name, null, CancellationToken.None])!;
        task.GetAwaiter().GetResult();
        return task;
    }
}
