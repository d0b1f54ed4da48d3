using Microsoft.Data.Sqlite;

namespace KvCertPending.LocalVault.Storage;

/// <summary>
/// The SQLite database in the data folder (WAL, synchronous FULL for every write). Every operation runs in one transaction:
/// writes take the write lock up front (BEGIN IMMEDIATE), so a request never sees or leaves half a change.
/// </summary>
internal sealed class VaultDatabase
{
    public const string FileName = "vault.db";

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS certificates (name TEXT NOT NULL PRIMARY KEY COLLATE NOCASE, deleted INTEGER NOT NULL DEFAULT 0, doc TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS versions (name TEXT NOT NULL COLLATE NOCASE, version TEXT NOT NULL, seq INTEGER NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (name, version));
        CREATE INDEX IF NOT EXISTS versions_by_seq ON versions (name, seq);
        CREATE TABLE IF NOT EXISTS pending (name TEXT NOT NULL PRIMARY KEY COLLATE NOCASE, status TEXT NOT NULL, due_at INTEGER NULL, doc TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS pending_due ON pending (status, due_at);
        CREATE TABLE IF NOT EXISTS issuers (name TEXT NOT NULL PRIMARY KEY COLLATE NOCASE, doc TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS simulations (issuer TEXT NOT NULL PRIMARY KEY COLLATE NOCASE, doc TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS settings (key TEXT NOT NULL PRIMARY KEY, doc TEXT NOT NULL);
        """;

    private readonly string _connectionString;

    public VaultDatabase(string dataDirectory)
    {
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(dataDirectory, FileName),
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        using var connection = Open();
        Execute(connection, "PRAGMA journal_mode=WAL;");
        Execute(connection, Schema);
    }

    public T Read<T>(Func<VaultTransaction, T> work)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction(deferred: true);
        var result = work(new VaultTransaction(connection, transaction));
        transaction.Commit();
        return result;
    }

    public T Write<T>(Func<VaultTransaction, T> work)
    {
        using var connection = Open();
        Execute(connection, "PRAGMA synchronous=FULL;");
        using var transaction = connection.BeginTransaction(deferred: false);
        var result = work(new VaultTransaction(connection, transaction));
        transaction.Commit();
        return result;
    }

    /// <summary>Closes this database's pooled connections (at stop), leaving other vaults in the process alone.</summary>
    public void ReleaseConnections()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
