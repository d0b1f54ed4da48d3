using System.Text.Json.Nodes;

namespace KvCertPending.LocalVault.Tests.Infrastructure;

/// <summary>Raw JSON certificate policies for create requests.</summary>
internal static class Policies
{
    public static JsonObject With(string issuer, string subject = "CN=test.example.com", string? cty = null)
    {
        var issuerNode = new JsonObject { ["name"] = issuer };
        if (cty is not null)
        {
            issuerNode["cty"] = cty;
        }

        return new JsonObject
        {
            ["x509_props"] = new JsonObject { ["subject"] = subject },
            ["issuer"] = issuerNode,
        };
    }

    public static JsonObject Manual(string subject = "CN=manual.example.com") => With("Unknown", subject);

    public static JsonObject Self(string subject = "CN=self.example.com") => With("Self", subject);
}
