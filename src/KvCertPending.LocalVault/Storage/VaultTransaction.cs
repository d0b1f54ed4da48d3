using System.Text.Json;
using KvCertPending.LocalVault.Http;
using Microsoft.Data.Sqlite;

namespace KvCertPending.LocalVault.Storage;

/// <summary>Typed reads and writes inside one SQLite transaction. Records are stored as JSON documents.</summary>
internal sealed class VaultTransaction
{
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;

    public VaultTransaction(SqliteConnection connection, SqliteTransaction transaction)
    {
        _connection = connection;
        _transaction = transaction;
    }

    public CertificateRecord? GetCertificate(string name) =>
        QuerySingle<CertificateRecord>("SELECT doc FROM certificates WHERE name = $name", ("$name", name));

    /// <summary>
    /// One page of the names (live or soft-deleted, by name) with their latest version, skipping names without a
    /// version and, unless <paramref name="includePending"/>, names whose latest version is not issued yet (no chain).
    /// Filtered and paged in SQL: only the page's documents are read. <c>More</c>: whether names follow the page.
    /// </summary>
    public (IReadOnlyList<(CertificateRecord Certificate, VersionRecord Latest)> Page, bool More) ListLatest(bool deleted, bool includePending, int skip, int size)
    {
        using var command = Command(
            """
            SELECT c.doc, v.doc FROM certificates c
            JOIN versions v ON v.name = c.name AND v.seq = (SELECT MAX(seq) FROM versions latest WHERE latest.name = c.name)
            WHERE c.deleted = $deleted AND ($all = 1 OR json_extract(v.doc, '$.Chain') IS NOT NULL)
            ORDER BY c.name COLLATE NOCASE
            LIMIT $limit OFFSET $skip
            """,
            ("$deleted", deleted ? 1 : 0),
            ("$all", includePending ? 1 : 0),
            ("$limit", size + 1),
            ("$skip", skip));
        var page = new List<(CertificateRecord, VersionRecord)>();
        using var reader = command.ExecuteReader();
        var more = false;
        while (reader.Read())
        {
            if (page.Count == size)
            {
                more = true;
                break;
            }

            page.Add((Deserialize<CertificateRecord>(reader.GetString(0)), Deserialize<VersionRecord>(reader.GetString(1))));
        }

        return (page, more);
    }

    public void PutCertificate(CertificateRecord record) =>
        Execute(
            "INSERT INTO certificates (name, deleted, doc) VALUES ($name, $deleted, $doc) ON CONFLICT(name) DO UPDATE SET deleted = excluded.deleted, doc = excluded.doc",
            ("$name", record.Name),
            ("$deleted", record.DeletedOn is null ? 0 : 1),
            ("$doc", Serialize(record)));

    /// <summary>Removes a certificate name with all its versions and its pending object (purge).</summary>
    public void PurgeCertificate(string name)
    {
        Execute("DELETE FROM versions WHERE name = $name", ("$name", name));
        Execute("DELETE FROM pending WHERE name = $name", ("$name", name));
        Execute("DELETE FROM certificates WHERE name = $name", ("$name", name));
    }

    public VersionRecord? GetVersion(string name, string version) =>
        QuerySingle<VersionRecord>("SELECT doc FROM versions WHERE name = $name AND version = $version", ("$name", name), ("$version", version.ToLowerInvariant()));

    public VersionRecord? GetLatestVersion(string name) =>
        QuerySingle<VersionRecord>("SELECT doc FROM versions WHERE name = $name ORDER BY seq DESC LIMIT 1", ("$name", name));

    public IReadOnlyList<VersionRecord> ListVersions(string name) =>
        Query<VersionRecord>("SELECT doc FROM versions WHERE name = $name ORDER BY seq", ("$name", name));

    public void PutVersion(VersionRecord record) =>
        Execute(
            """
            INSERT INTO versions (name, version, seq, doc)
            VALUES ($name, $version, (SELECT COALESCE(MAX(seq), 0) + 1 FROM versions WHERE name = $name), $doc)
            ON CONFLICT(name, version) DO UPDATE SET doc = excluded.doc
            """,
            ("$name", record.Name),
            ("$version", record.Version),
            ("$doc", Serialize(record)));

    public PendingRecord? GetPending(string name) =>
        QuerySingle<PendingRecord>("SELECT doc FROM pending WHERE name = $name", ("$name", name));

    public void PutPending(PendingRecord record) =>
        Execute(
            "INSERT INTO pending (name, status, due_at, doc) VALUES ($name, $status, $due, $doc) ON CONFLICT(name) DO UPDATE SET status = excluded.status, due_at = excluded.due_at, doc = excluded.doc",
            ("$name", record.Name),
            ("$status", record.Status),
            ("$due", record.DueAtMs),
            ("$doc", Serialize(record)));

    public void DeletePending(string name) => Execute("DELETE FROM pending WHERE name = $name", ("$name", name));

    /// <summary>Names of in-progress requests whose simulated CA is due at or before <paramref name="nowMs"/>.</summary>
    public IReadOnlyList<string> DuePendingNames(long nowMs)
    {
        var names = new List<string>();
        using var command = Command("SELECT name FROM pending WHERE status = $status AND due_at IS NOT NULL AND due_at <= $now ORDER BY due_at", ("$status", PendingStatus.InProgress), ("$now", nowMs));
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    /// <summary>The earliest due time of any in-progress simulated request, or null when none waits.</summary>
    public long? NextDueAtMs()
    {
        using var command = Command("SELECT MIN(due_at) FROM pending WHERE status = $status AND due_at IS NOT NULL", ("$status", PendingStatus.InProgress));
        var value = command.ExecuteScalar();
        return value is long due ? due : null;
    }

    public IssuerRecord? GetIssuer(string name) =>
        QuerySingle<IssuerRecord>("SELECT doc FROM issuers WHERE name = $name", ("$name", name));

    public IReadOnlyList<IssuerRecord> ListIssuers() =>
        Query<IssuerRecord>("SELECT doc FROM issuers ORDER BY name COLLATE NOCASE");

    public void PutIssuer(IssuerRecord record) =>
        Execute("INSERT INTO issuers (name, doc) VALUES ($name, $doc) ON CONFLICT(name) DO UPDATE SET doc = excluded.doc", ("$name", record.Name), ("$doc", Serialize(record)));

    public void DeleteIssuer(string name) => Execute("DELETE FROM issuers WHERE name = $name", ("$name", name));

    public SimulationRecord? GetSimulation(string issuer) =>
        QuerySingle<SimulationRecord>("SELECT doc FROM simulations WHERE issuer = $issuer", ("$issuer", issuer));

    public void PutSimulation(SimulationRecord record) =>
        Execute("INSERT INTO simulations (issuer, doc) VALUES ($issuer, $doc) ON CONFLICT(issuer) DO UPDATE SET doc = excluded.doc", ("$issuer", record.Issuer), ("$doc", Serialize(record)));

    /// <summary>A vault-wide setting (the certificate contacts), as raw JSON.</summary>
    public string? GetSetting(string key)
    {
        using var command = Command("SELECT doc FROM settings WHERE key = $key", ("$key", key));
        return command.ExecuteScalar() as string;
    }

    public void PutSetting(string key, string json) =>
        Execute("INSERT INTO settings (key, doc) VALUES ($key, $doc) ON CONFLICT(key) DO UPDATE SET doc = excluded.doc", ("$key", key), ("$doc", json));

    public void DeleteSetting(string key) => Execute("DELETE FROM settings WHERE key = $key", ("$key", key));

    private static string Serialize<T>(T record) => JsonSerializer.Serialize(record, VaultJson.Options);

    /// <summary>A record from its stored document (as every read here does).</summary>
    public static T Deserialize<T>(string doc) => JsonSerializer.Deserialize<T>(doc, VaultJson.Options)!;

    /// <summary>A record from its stored document as UTF-8.</summary>
    public static T Deserialize<T>(ReadOnlySpan<byte> utf8Doc) => JsonSerializer.Deserialize<T>(utf8Doc, VaultJson.Options)!;

    private T? QuerySingle<T>(string sql, params (string Name, object? Value)[] parameters)
        where T : class
    {
        using var command = Command(sql, parameters);
        return command.ExecuteScalar() is string doc ? Deserialize<T>(doc) : null;
    }

    private List<T> Query<T>(string sql, params (string Name, object? Value)[] parameters)
    {
        var results = new List<T>();
        using var command = Command(sql, parameters);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            results.Add(Deserialize<T>(reader.GetString(0)));
        }

        return results;
    }

    private void Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        command.ExecuteNonQuery();
    }

    private SqliteCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = _connection.CreateCommand();
        command.Transaction = _transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }
}
