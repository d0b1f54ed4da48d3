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

    public VaultException()
        : this(500, "InternalError", "Internal error.")
    {
    }

    public VaultException(string message)
        : this(400, VaultErrors.BadParameterCode, message)
    {
    }

    public VaultException(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = 400;
        Code = VaultErrors.BadParameterCode;
    }

    public int Status { get; }

    public string Code { get; }

    public string? InnerCode { get; }
}
