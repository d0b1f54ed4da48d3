using System.Net.Http.Headers;
using Azure.Core;
using KvCertPending.Hosting;
using KvCertPending.LocalVault;
using KvCertPending.Tests.Infrastructure;

namespace KvCertPending.Tests.Secrets;

/// <summary>
/// A local vault that accepts only tokens it issued and hands every log entry it writes, at every level, to
/// <see cref="Logs"/>; plus raw HTTPS and an SDK credential that carry a token it issued.
/// </summary>
internal sealed class SecretsVault : IAsyncDisposable
{
    private SecretsVault(LocalVaultHarness harness, VaultLogCapture logs, string token)
    {
        Harness = harness;
        Logs = logs;
        Token = token;
        Http = new HttpClient(PinnedCertificate.CreateHandler(harness.Server.TlsCertificate)) { BaseAddress = harness.VaultUri };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public LocalVaultHarness Harness { get; }

    public VaultLogCapture Logs { get; }

    /// <summary>A token the vault issued (a JWT).</summary>
    public string Token { get; }

    /// <summary>Raw HTTPS with <see cref="Token"/>.</summary>
    public HttpClient Http { get; }

    public TokenCredential Credential => new IssuedToken(Token);

    public static async Task<SecretsVault> StartAsync()
    {
        var logs = new VaultLogCapture();
        var harness = await LocalVaultHarness.StartAsync(configure: options =>
        {
            options.RequireIssuedTokens = true;
            options.RetryAfterSeconds = 0;
            options.DefaultSimulation = new IssuerSimulation(TimeSpan.FromMilliseconds(300), IssuerOutcome.Issue, HonourCancellation: true);
            options.LoggerProvider = logs;
        });
        return new SecretsVault(harness, logs, await SignInVault.IssueTokenAsync(harness));
    }

    /// <summary>GET on the vault's REST API; returns the status and the body.</summary>
    public async Task<(int Status, string Body)> GetAsync(string path)
    {
        using var response = await Http.GetAsync(new Uri(path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "api-version=7.6", UriKind.Relative));
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Harness.DisposeAsync();
    }

    private sealed class IssuedToken(string token) : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) => new(token, DateTimeOffset.UtcNow.AddMinutes(30));

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) => ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}
