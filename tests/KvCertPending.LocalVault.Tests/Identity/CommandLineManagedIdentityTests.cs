using System.Net;
using System.Text.Json.Nodes;
using KvCertPending.LocalVault.Identity;
using KvCertPending.LocalVault.Tests.Infrastructure;
using KvCertPending.LocalVault.Tests.Reliability;
using Xunit;

namespace KvCertPending.LocalVault.Tests.Identity;

/// <summary>
/// The command-line vault hands its managed-identity secret to clients in other processes (the Python suite's
/// ManagedIdentityCredential) through an owner-only file in the data folder, never through its output.
/// </summary>
public sealed class CommandLineManagedIdentityTests : IDisposable
{
    private readonly string dataDirectory = VaultHost.NewDataDirectory();

    public void Dispose() => VaultHost.DeleteDataDirectory(dataDirectory);

    [Fact]
    public async Task HeaderFileIsWrittenAtEveryStartAndItsSecretIsTheOneTheIdentityEndpointWants()
    {
        string path = Path.Combine(dataDirectory, IdentitySettings.ManagedIdentityHeaderFileName);
        string? previous = null;
        for (int start = 0; start < 2; start++)
        {
            using VaultProcess vault = await VaultProcess.StartAsync(dataDirectory);
            string header = await File.ReadAllTextAsync(path);

            Assert.Matches("^[0-9a-f]{48}$", header);
            Assert.NotEqual(previous, header);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }

            // The line comes a few lines after the URL the start waits for: wait for it (bounded).
            for (int i = 0; i < 200 && !vault.Output.Any(line => line.StartsWith("Managed identity:", StringComparison.Ordinal)); i++)
            {
                await Task.Delay(25);
            }

            Assert.Contains(vault.Output, line => line.StartsWith("Managed identity:", StringComparison.Ordinal)
                && line.Contains($"IDENTITY_ENDPOINT={vault.VaultUri}_localvault/identity/token", StringComparison.Ordinal)
                && line.Contains(path, StringComparison.Ordinal));
            Assert.DoesNotContain(vault.Output, line => line.Contains(header, StringComparison.Ordinal));

            using var http = new HttpClient(TrustedCertificateHandler.Create(vault.TlsCertificate)) { BaseAddress = vault.VaultUri };
            var (status, body) = await TokenAsync(http, header);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.False(string.IsNullOrEmpty(body["access_token"]?.GetValue<string>()));
            if (previous is not null)
            {
                Assert.Equal(HttpStatusCode.Unauthorized, (await TokenAsync(http, previous)).Status);
            }

            previous = header;
        }
    }

    private static async Task<(HttpStatusCode Status, JsonNode Body)> TokenAsync(HttpClient http, string header)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "_localvault/identity/token?resource=https://vault.azure.net&api-version=2019-08-01");
        request.Headers.Add("X-IDENTITY-HEADER", header);
        using var response = await http.SendAsync(request);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }
}
