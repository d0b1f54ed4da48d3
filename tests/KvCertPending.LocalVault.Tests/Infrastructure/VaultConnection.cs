using System.Net;
using System.Text.Json.Nodes;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Security.KeyVault.Certificates;
using Azure.Security.KeyVault.Secrets;
using Xunit;

namespace KvCertPending.LocalVault.Tests.Infrastructure;

/// <summary>
/// Everything a test needs to talk to one running local vault: the real SDK clients (trusting exactly the vault's
/// TLS certificate, with challenge resource verification disabled and a fake credential), a raw HTTP client, and
/// helpers for issuers, CA signing and waiting for a final state.
/// </summary>
internal sealed class VaultConnection : IDisposable
{
    private readonly List<IDisposable> disposables = [];

    public VaultConnection(LocalVaultServer server)
    {
        Server = server;
        Credential = new FakeTokenCredential();

        HttpClientHandler certificateHandler = TrustedCertificateHandler.Create(server.TlsCertificate);
        HttpClientHandler secretHandler = TrustedCertificateHandler.Create(server.TlsCertificate);
        disposables.Add(certificateHandler);
        disposables.Add(secretHandler);

        var certificateOptions = new CertificateClientOptions
        {
            DisableChallengeResourceVerification = true,
            Transport = new HttpClientTransport(certificateHandler),
            Retry = { MaxRetries = 0 },
        };
        certificateOptions.AddPolicy(Recorder, HttpPipelinePosition.PerRetry);
        Certificates = new CertificateClient(server.VaultUri, Credential, certificateOptions);
        Secrets = new SecretClient(server.VaultUri, Credential, new SecretClientOptions
        {
            DisableChallengeResourceVerification = true,
            Transport = new HttpClientTransport(secretHandler),
            Retry = { MaxRetries = 0 },
        });
        Raw = new RawVault(server.VaultUri, server.TlsCertificate);
        disposables.Add(Raw);
    }

    public LocalVaultServer Server { get; }

    public FakeTokenCredential Credential { get; }

    /// <summary>What the certificate client really exchanged with the vault.</summary>
    public ResponseRecorder Recorder { get; } = new();

    public CertificateClient Certificates { get; }

    public SecretClient Secrets { get; }

    public RawVault Raw { get; }

    /// <summary>Creates an issuer (provider DigiCert unless told) and sets its simulation through the management endpoint.</summary>
    public async Task<string> CreateIssuerAsync(
        double delaySeconds,
        string outcome = "issue",
        bool honourCancellation = true,
        string provider = "DigiCert",
        string? name = null)
    {
        name ??= Names.New("iss");
        await Certificates.CreateIssuerAsync(new CertificateIssuer(name, provider)
        {
            AccountId = "test-account",
            Password = "issuer-password-never-echoed",
            OrganizationId = "test-org",
        }).ConfigureAwait(false);
        await SetSimulationAsync(name, delaySeconds, outcome, honourCancellation).ConfigureAwait(false);
        return name;
    }

    public async Task SetSimulationAsync(string issuerName, double delaySeconds, string outcome, bool honourCancellation)
    {
        RawResponse response = await Raw.SendAsync(
            HttpMethod.Put,
            $"/_localvault/simulations/{issuerName}",
            new JsonObject { ["delaySeconds"] = delaySeconds, ["outcome"] = outcome, ["honourCancellation"] = honourCancellation }.ToJsonString(),
            addApiVersion: false,
            withToken: false).ConfigureAwait(false);
        Assert.True(response.Status == HttpStatusCode.OK, $"PUT simulation for {issuerName}: {response}");
    }

    /// <summary>The local CA signs a CSR (management endpoint): x5c leaf first, then the CA root.</summary>
    public async Task<IReadOnlyList<byte[]>> SignWithLocalCaAsync(byte[] csr, int validityDays = 365)
    {
        RawResponse response = await Raw.SendAsync(
            HttpMethod.Post,
            "/_localvault/ca/sign",
            new JsonObject { ["csr"] = Convert.ToBase64String(csr), ["validityDays"] = validityDays }.ToJsonString(),
            addApiVersion: false,
            withToken: false).ConfigureAwait(false);
        Assert.True(response.Status == HttpStatusCode.OK, $"POST /_localvault/ca/sign: {response}");
        return response.Json["x5c"]!.AsArray().Select(n => Convert.FromBase64String(n!.GetValue<string>())).ToList();
    }

    /// <summary>The local CA root (management endpoint), as PEM.</summary>
    public async Task<string> ReadCaRootPemAsync()
    {
        RawResponse response = await Raw.SendAsync(HttpMethod.Get, "/_localvault/ca/certificate", null, addApiVersion: false, withToken: false).ConfigureAwait(false);
        Assert.True(response.Status == HttpStatusCode.OK, $"GET /_localvault/ca/certificate: {response}");
        Assert.Contains("-----BEGIN CERTIFICATE-----", response.Body, StringComparison.Ordinal);
        return response.Body;
    }

    /// <summary>Starts a create with a raw request and asserts the 202; returns the pending object.</summary>
    public async Task<JsonObject> CreateRawAsync(string name, JsonObject policy)
    {
        RawResponse response = await Raw.PostAsync($"/certificates/{name}/create", new JsonObject { ["policy"] = policy }).ConfigureAwait(false);
        Assert.True(response.Status == HttpStatusCode.Accepted, $"create {name}: {response}");
        return response.Object;
    }

    public Task<RawResponse> GetPendingAsync(string name) => Raw.GetAsync($"/certificates/{name}/pending");

    /// <summary>Polls GET /pending until the status is final (bounded: fails after 60 s); returns the final pending object.</summary>
    public Task<JsonObject> WaitForFinalAsync(string name) => Raw.WaitForFinalAsync(name);

    public void Dispose()
    {
        foreach (IDisposable disposable in disposables)
        {
            disposable.Dispose();
        }
    }
}
