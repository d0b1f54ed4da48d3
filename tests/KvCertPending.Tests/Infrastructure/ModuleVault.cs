using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Net.Http.Json;
using System.Net.Security;
using System.Security;
using System.Text.Json;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Security.KeyVault.Certificates;
using KvCertPending.LocalVault;

namespace KvCertPending.Tests.Infrastructure;

/// <summary>
/// One local vault for the test class (fresh data folder, short CA delays) with the issuers the tests use, and
/// hosted PowerShell sessions that import the built module from out/KvCertPending as a user would.
/// </summary>
public sealed class ModuleVault : IAsyncLifetime
{
    /// <summary>Issues after a few hundred milliseconds.</summary>
    public const string QuickIssuer = "test-quick";

    /// <summary>Issues after a minute unless cancelled (honours cancellation).</summary>
    public const string SlowIssuer = "test-slow";

    /// <summary>Fails (CertificateIssuerError) after a few hundred milliseconds.</summary>
    public const string FailingIssuer = "test-fail";

    /// <summary>Refuses (RequestRejected) after a few hundred milliseconds.</summary>
    public const string RejectingIssuer = "test-reject";

    private string _dataDirectory = string.Empty;

    public LocalVaultServer Server { get; private set; } = null!;

    public CertificateClient Client { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public string VaultUri => Server.VaultUri.ToString();

    public async Task InitializeAsync()
    {
        _dataDirectory = Path.Combine(Path.GetTempPath(), "kvcp-module-" + Guid.NewGuid().ToString("N"));
        Server = await LocalVaultServer.StartAsync(new LocalVaultOptions
        {
            Port = 0,
            DataDirectory = _dataDirectory,
            RetryAfterSeconds = 0,
            DefaultSimulation = new IssuerSimulation(TimeSpan.FromMilliseconds(300), IssuerOutcome.Issue, HonourCancellation: true),
        });
        Http = new HttpClient(CreateHandler()) { BaseAddress = Server.VaultUri };
        Client = new CertificateClient(Server.VaultUri, new FakeCredential(), new CertificateClientOptions
        {
            DisableChallengeResourceVerification = true,
            Transport = new HttpClientTransport(CreateHandler()),
        });

        await AddIssuerAsync(QuickIssuer, new IssuerSimulation(TimeSpan.FromMilliseconds(400), IssuerOutcome.Issue, true));
        await AddIssuerAsync(SlowIssuer, new IssuerSimulation(TimeSpan.FromSeconds(60), IssuerOutcome.Issue, true));
        await AddIssuerAsync(FailingIssuer, new IssuerSimulation(TimeSpan.FromMilliseconds(300), IssuerOutcome.Fail, true));
        await AddIssuerAsync(RejectingIssuer, new IssuerSimulation(TimeSpan.FromMilliseconds(300), IssuerOutcome.Reject, true));
    }

    public async Task AddIssuerAsync(string name, IssuerSimulation simulation)
    {
        await Client.CreateIssuerAsync(new CertificateIssuer(name, "DigiCert") { AccountId = "test", Password = "not-a-secret" });
        Server.SetIssuerSimulation(name, simulation);
    }

    /// <summary>The local CA signs a CSR: the chain leaf first, as base64 DER.</summary>
    public async Task<string[]> SignAsync(byte[] csr, int validityDays = 365)
    {
        using var response = await Http.PostAsJsonAsync("/_localvault/ca/sign", new { csr = Convert.ToBase64String(csr), validityDays });
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("x5c").EnumerateArray().Select(e => e.GetString()!).ToArray();
    }

    /// <summary>A hosted PowerShell 7.6 session with the built module imported and the local vault's settings.</summary>
    public PsSession OpenSession() => new(this);

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder.
        }
    }

    private HttpClientHandler CreateHandler()
    {
        var trusted = Server.TlsCertificate.RawData;
        return new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, errors) =>
                errors == SslPolicyErrors.None
                || (errors == SslPolicyErrors.RemoteCertificateChainErrors && certificate is not null && certificate.RawData.AsSpan().SequenceEqual(trusted)),
        };
    }

    internal static string ModulePath
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "KvCertPending.sln")))
            {
                directory = directory.Parent;
            }

            return Path.Combine(directory?.FullName ?? throw new InvalidOperationException("Repository root not found."), "out", "KvCertPending", "KvCertPending.psd1");
        }
    }

    private sealed class FakeCredential : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new("local-vault-accepts-any-token", DateTimeOffset.UtcNow.AddHours(1));

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new(GetToken(requestContext, cancellationToken));
    }
}

/// <summary>One runspace: run scripts, read output and streams.</summary>
public sealed class PsSession : IDisposable
{
    private readonly Runspace _runspace;

    internal PsSession(ModuleVault vault)
    {
        _runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        _runspace.Open();
        var token = new SecureString();
        foreach (var c in "local-vault-accepts-any-token")
        {
            token.AppendChar(c);
        }

        token.MakeReadOnly();
        _runspace.SessionStateProxy.SetVariable("VaultUri", vault.VaultUri);
        _runspace.SessionStateProxy.SetVariable("KvCertPendingTrustedCertificate", vault.Server.TlsCertificatePemPath);
        _runspace.SessionStateProxy.SetVariable("KvTestToken", token);
        var result = Run("Import-Module -Name $args[0] -ErrorAction Stop; $PSDefaultParameterValues['*-Kv*:AccessToken'] = $KvTestToken", ModuleVault.ModulePath);
        if (result.Errors.Count > 0)
        {
            throw new InvalidOperationException("Import failed: " + result.Errors[0]);
        }
    }

    public void SetVariable(string name, object? value) => _runspace.SessionStateProxy.SetVariable(name, value);

    public object? GetVariable(string name) => _runspace.SessionStateProxy.GetVariable(name);

    public PsResult Run(string script, params object[] args)
    {
        using var ps = PowerShell.Create();
        ps.Runspace = _runspace;
        ps.AddScript(script);
        foreach (var arg in args)
        {
            ps.AddArgument(arg);
        }

        Collection<PSObject> output;
        try
        {
            output = ps.Invoke();
        }
        catch (RuntimeException ex)
        {
            return new PsResult(new Collection<PSObject>(), [ex.ErrorRecord], ps.Streams, ex);
        }

        return new PsResult(output, ps.Streams.Error.ToList(), ps.Streams, null);
    }

    /// <summary>Starts a script without waiting (to stop it, or to watch it).</summary>
    public (PowerShell Shell, IAsyncResult Pending) Start(string script)
    {
        var ps = PowerShell.Create();
        ps.Runspace = _runspace;
        ps.AddScript(script);
        return (ps, ps.BeginInvoke());
    }

    public void Dispose() => _runspace.Dispose();
}

public sealed class PsResult
{
    public PsResult(Collection<PSObject> output, IList<ErrorRecord> errors, PSDataStreams streams, RuntimeException? terminating)
    {
        Output = output;
        Errors = errors;
        Warnings = streams.Warning.ToList();
        Progress = streams.Progress.ToList();
        Verbose = streams.Verbose.ToList();
        Terminating = terminating;
    }

    public Collection<PSObject> Output { get; }

    public IList<ErrorRecord> Errors { get; }

    public IList<WarningRecord> Warnings { get; }

    public IList<ProgressRecord> Progress { get; }

    public IList<VerboseRecord> Verbose { get; }

    public RuntimeException? Terminating { get; }

    public dynamic Single()
    {
        Assert.True(Errors.Count == 0, "Unexpected errors: " + string.Join(" | ", Errors.Select(e => e.FullyQualifiedErrorId + ": " + e)));
        Assert.Single(Output);
        return Output[0];
    }

    public ErrorRecord SingleError()
    {
        Assert.True(Errors.Count == 1, "Expected one error, got: " + string.Join(" | ", Errors.Select(e => e.FullyQualifiedErrorId + ": " + e)));
        return Errors[0];
    }

    public void AssertNoErrors() =>
        Assert.True(Errors.Count == 0, "Unexpected errors: " + string.Join(" | ", Errors.Select(e => e.FullyQualifiedErrorId + ": " + e)));
}
