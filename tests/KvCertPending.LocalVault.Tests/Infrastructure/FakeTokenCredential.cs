using System.Collections.Concurrent;
using Azure.Core;

namespace KvCertPending.LocalVault.Tests.Infrastructure;

/// <summary>A credential that hands out a fake bearer token (the local vault accepts any) and records the scopes asked for.</summary>
internal sealed class FakeTokenCredential : TokenCredential
{
    public const string Token = "local-vault-test-token";

    public ConcurrentQueue<string> RequestedScopes { get; } = new();

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        foreach (string scope in requestContext.Scopes)
        {
            RequestedScopes.Enqueue(scope);
        }

        return new AccessToken(Token, DateTimeOffset.UtcNow.AddHours(1));
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        new(GetToken(requestContext, cancellationToken));
}
