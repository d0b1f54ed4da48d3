using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using KvCertPending.LocalVault.Http;
using KvCertPending.LocalVault.Lifecycle;

namespace KvCertPending.LocalVault.Endpoints;

/// <summary>The vault's certificate contacts (who EmailContacts lifetime actions would notify): PUT, GET, DELETE.</summary>
internal static class ContactEndpoints
{
    private const string SettingKey = "contacts";

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPut("/certificates/contacts", SetAsync);
        routes.MapGet("/certificates/contacts", GetAsync);
        routes.MapDelete("/certificates/contacts", DeleteAsync);
    }

    private static async Task SetAsync(HttpContext context)
    {
        var body = await VaultJson.ReadAsync<ContactsBody>(context.Request).ConfigureAwait(false);
        if (body.Contacts is null || body.Contacts.Any(c => string.IsNullOrWhiteSpace(c.Email)))
        {
            throw VaultErrors.BadParameter("Property contacts is required and every contact needs an email.");
        }

        var json = JsonSerializer.Serialize(body.Contacts, VaultJson.Options);
        Route.Service<VaultCore>(context).Database.Write(tx =>
        {
            tx.PutSetting(SettingKey, json);
            return 0;
        });
        await Route.Ok(context, Render(context, json)).ConfigureAwait(false);
    }

    private static Task GetAsync(HttpContext context)
    {
        var json = Route.Service<VaultCore>(context).Database.Read(tx => tx.GetSetting(SettingKey)) ?? throw VaultErrors.ContactsNotFound();
        return Route.Ok(context, Render(context, json));
    }

    private static Task DeleteAsync(HttpContext context)
    {
        var json = Route.Service<VaultCore>(context).Database.Write(tx =>
        {
            var current = tx.GetSetting(SettingKey) ?? throw VaultErrors.ContactsNotFound();
            tx.DeleteSetting(SettingKey);
            return current;
        });
        return Route.Ok(context, Render(context, json));
    }

    private static JsonObject Render(HttpContext context, string contactsJson) => new()
    {
        ["id"] = new VaultUrls(context.Request).Certificate("contacts"),
        ["contacts"] = JsonNode.Parse(contactsJson),
    };

    private sealed class ContactsBody
    {
        [JsonPropertyName("contacts")]
        public List<Contact>? Contacts { get; set; }
    }

    private sealed class Contact
    {
        [JsonPropertyName("email")]
        public string? Email { get; set; }

        [JsonPropertyName("name")]
        public string? Name { get; set; }

        [JsonPropertyName("phone")]
        public string? Phone { get; set; }
    }
}
