using Azure.Core;

namespace KvCertPending.Hosting;

/// <summary>A credential for the local vault, which accepts any bearer token (it does not validate tokens).</summary>
public sealed class LocalVaultToken : TokenCredential
{
    /// <inheritdoc />
    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        => new(ModuleSession.LocalVaultToken, DateTimeOffset.UtcNow.AddHours(1));

    /// <inheritdoc />
    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
        => ValueTask.FromResult(GetToken(requestContext, cancellationToken));
}
