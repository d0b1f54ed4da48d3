using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using SQLitePCL;

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

    /// <summary>Idle reader connections kept open beyond this many are closed.</summary>
    private const int MaxIdleReaders = 16;

    /// <summary>How long a reader waits for a lock (WAL readers rarely do: only while a checkpoint or recovery runs).</summary>
    private const int BusyTimeoutMs = 30_000;

    private readonly string _connectionString;
    private readonly string _readerConnectionString;
    private readonly ConcurrentQueue<Reader> _readers = new();
    private volatile bool _released;

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
        _readerConnectionString = new SqliteConnectionStringBuilder(_connectionString) { Pooling = false }.ToString();
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

    /// <summary>
    /// The document (UTF-8) of one row by its key (<c>SELECT doc FROM {table} WHERE {key} = $key</c>), for the hot reads
    /// (GET pending); when it equals <paramref name="known"/>, that same array comes back and nothing is allocated. One statement reads one consistent snapshot in WAL mode, so it runs without BEGIN/COMMIT, on a
    /// reader connection kept open with the statement already prepared.
    /// </summary>
    public byte[]? ReadDocument(DocumentQuery query, byte[]? known = null)
    {
        var reader = _readers.TryDequeue(out var idle) ? idle : new Reader(_readerConnectionString);
        var keep = false;
        try
        {
            var result = reader.Utf8(query, known);
            keep = true;
            return result;
        }
        finally
        {
            if (keep && !_released && _readers.Count < MaxIdleReaders)
            {
                _readers.Enqueue(reader);
                if (_released)
                {
                    DisposeReaders();
                }
            }
            else
            {
                reader.Dispose();
            }
        }
    }

    /// <summary>Closes this database's pooled connections (at stop), leaving other vaults in the process alone.</summary>
    public void ReleaseConnections()
    {
        _released = true;
        DisposeReaders();
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    private void DisposeReaders()
    {
        while (_readers.TryDequeue(out var reader))
        {
            reader.Dispose();
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// A connection of its own (not from the shared pool) with its single-row queries prepared once, run through
    /// SQLite's own API: bind, step, read the text, reset. Used by one thread at a time.
    /// </summary>
    private sealed class Reader : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly Dictionary<string, sqlite3_stmt> _statements = new(StringComparer.Ordinal);

        public Reader(string connectionString)
        {
            _connection = new SqliteConnection(connectionString);
            _connection.Open();
            Check(raw.sqlite3_busy_timeout(_connection.Handle, BusyTimeoutMs));
        }

        /// <summary>The document's UTF-8 bytes; <paramref name="known"/> itself when the stored bytes equal it (nothing copied).</summary>
        public byte[]? Utf8(DocumentQuery query, byte[]? known)
        {
            var db = _connection.Handle!;
            if (!_statements.TryGetValue(query.Sql, out var statement))
            {
                Check(raw.sqlite3_prepare_v2(db, query.Sql, out statement));
                _statements[query.Sql] = statement;
            }

            try
            {
                Check(raw.sqlite3_bind_text(statement, 1, query.Key));
                var rc = raw.sqlite3_step(statement);
                if (rc == raw.SQLITE_DONE)
                {
                    return null;
                }

                if (rc != raw.SQLITE_ROW)
                {
                    throw new SqliteException(raw.sqlite3_errmsg(db).utf8_to_string(), rc);
                }

                var stored = raw.sqlite3_column_blob(statement, 0);
                return known is not null && stored.SequenceEqual(known) ? known : stored.ToArray();
            }
            finally
            {
                raw.sqlite3_reset(statement);
            }
        }

        public void Dispose()
        {
            foreach (var statement in _statements.Values)
            {
                statement.Dispose();
            }

            _connection.Dispose();
        }

        private void Check(int rc)
        {
            if (rc != raw.SQLITE_OK)
            {
                throw new SqliteException(raw.sqlite3_errmsg(_connection.Handle).utf8_to_string(), rc);
            }
        }
    }
}

/// <summary>A single-row document read by key for <see cref="VaultDatabase.ReadDocument"/>.</summary>
internal readonly record struct DocumentQuery(string Sql, string Key)
{
    public static DocumentQuery Pending(string name) => new("SELECT doc FROM pending WHERE name = $key", name);
}
