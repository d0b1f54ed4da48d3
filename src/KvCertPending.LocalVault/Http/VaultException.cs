namespace KvCertPending.LocalVault.Http;

/// <summary>A Key Vault-shaped error: thrown anywhere in a request, written as <c>{"error":{"code","message"}}</c>.</summary>
internal sealed class VaultException : Exception
{
    public VaultException(int status, string code, string message, string? innerCode = null)
        : base(message)
    {
        Status = status;
        Code = code;
        InnerCode = innerCode;
    }

    public int Status { get; }

    public string Code { get; }

    public string? InnerCode { get; }
}
