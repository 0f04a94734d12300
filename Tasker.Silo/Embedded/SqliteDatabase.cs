using System.Globalization;
using Microsoft.Data.Sqlite;
using Tasker.Files;

namespace Tasker.Silo.Embedded;

/// <summary>
/// The durable embedded mode's one SQLite file (docs/adr/019): held by this process alone (a lock file with its pid),
/// in WAL mode, with Tasker's schema. SQLite has one writer at a time: Tasker's own writes go through one connection,
/// one at a time (<see cref="WriteAsync{T}"/>), and reads through pooled connections that WAL lets run beside it.
/// Microsoft.Data.Sqlite's calls block, so both run on the thread pool, never on a grain's turn.
/// </summary>
public sealed class SqliteDatabase : IDisposable
{
    /// <summary>The schema this build writes and reads (PRAGMA user_version).</summary>
    public const int SchemaVersion = 1;

    private const string ScriptResource = "Tasker.Silo.Embedded.Sql.sqlite-schema.sql";

    // Files held by this process, so that a second silo in the same process (tests) is told as another would be.
    private static readonly HashSet<string> _heldHere = [];

    private readonly FileStream _lock;
    private readonly SqliteConnection _writer;
    private readonly SemaphoreSlim _writing = new(1, 1);

    private SqliteDatabase(string file, FileStream heldLock, SqliteConnection writer)
    {
        File = file;
        _lock = heldLock;
        _writer = writer;
        ConnectionString = writer.ConnectionString;
    }

    /// <summary>The database file's full path.</summary>
    public string File { get; }

    /// <summary>For Orleans' ADO.NET provider and the readers.</summary>
    public string ConnectionString { get; }

    /// <summary>
    /// Takes the file for this process and brings its schema up to date.
    /// </summary>
    /// <exception cref="SqliteFileException">Another process holds the file, or the file is not one Tasker can use.</exception>
    public static SqliteDatabase Open(string file)
    {
        PrivateFiles.CreateFolder(Path.GetDirectoryName(file)!);
        var heldLock = TakeLock(file);
        SqliteConnection? writer = null;
        try
        {
            MakePrivate(file);
            var connectionString = new SqliteConnectionStringBuilder
            {
                DataSource = file,
                Mode = SqliteOpenMode.ReadWriteCreate,
                Pooling = true,
            }.ToString();
            writer = new SqliteConnection(connectionString);
            writer.Open();
            Configure(writer);
            EnsureSchema(writer, file);
            return new SqliteDatabase(file, heldLock, writer);
        }
        catch (Exception exception) when (exception is SqliteException)
        {
            writer?.Dispose();
            Release(file, heldLock);
            throw new SqliteFileException($"Cannot use the embedded database {file}: {exception.Message}", exception);
        }
        catch
        {
            writer?.Dispose();
            Release(file, heldLock);
            throw;
        }
    }

    /// <summary>Runs <paramref name="write"/> on the writer connection, alone, inside one transaction.</summary>
    public async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, T> write, CancellationToken cancellationToken = default)
    {
        await _writing.WaitAsync(cancellationToken);
        try
        {
            return await Task.Run(() =>
            {
                using var transaction = _writer.BeginTransaction(deferred: false);
                var result = write(_writer, transaction);
                transaction.Commit();
                return result;
            }, cancellationToken);
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <summary>Runs <paramref name="read"/> on a pooled connection of its own, beside the writer.</summary>
    public Task<T> ReadAsync<T>(Func<SqliteConnection, T> read, CancellationToken cancellationToken = default) =>
        Task.Run(() =>
        {
            using var connection = OpenConnection();
            return read(connection);
        }, cancellationToken);

    /// <summary>A pooled connection of its own, configured as the others, for the rare synchronous caller (the key ring).</summary>
    public SqliteConnection OpenConnection()
    {
        var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        Configure(connection);
        return connection;
    }

    public void Dispose()
    {
        _writer.Dispose();
        _writing.Dispose();
        Release(File, _lock);
    }

    private static void Configure(SqliteConnection connection)
    {
        // SQLite waits for the writer's lock itself (in small sleeps) rather than failing at once with SQLITE_BUSY.
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout = 10000;";
        command.ExecuteNonQuery();
    }

    private static void EnsureSchema(SqliteConnection connection, string file)
    {
        using (var wal = connection.CreateCommand())
        {
            // Persistent in the file: readers never wait for the writer, and a commit appends to the log.
            wal.CommandText = "PRAGMA journal_mode = WAL;";
            wal.ExecuteNonQuery();
        }

        using var transaction = connection.BeginTransaction(deferred: false);
        using (var version = connection.CreateCommand())
        {
            version.Transaction = transaction;
            version.CommandText = "PRAGMA user_version;";
            var found = Convert.ToInt32(version.ExecuteScalar(), CultureInfo.InvariantCulture);
            if (found > SchemaVersion)
            {
                throw new SqliteFileException(
                    $"The embedded database {file} has schema version {found}, written by a newer Tasker; this one knows version {SchemaVersion}. Run the newer Tasker, or move the file away (Tasker__Embedded__DataPath) to start afresh.");
            }

            // Version 0 is a new file; versions below this build's are brought up to it by the idempotent script.
        }

        using (var script = connection.CreateCommand())
        {
            script.Transaction = transaction;
            script.CommandText = ReadScript();
            script.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    /// <summary>
    /// The file holds every task, result and the key ring: owner-only. A new one is made empty with that mode before
    /// SQLite opens it, and SQLite gives its -wal and -shm files the database file's mode. Files an older build made
    /// are narrowed.
    /// </summary>
    private static void MakePrivate(string file)
    {
        // Not opened when it exists: closing a descriptor of the file would drop the POSIX locks SQLite holds on it.
        if (!System.IO.File.Exists(file))
        {
            using (PrivateFiles.Open(file, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                // An empty file is a new database to SQLite.
            }
        }

        foreach (var path in new[] { file, file + "-wal", file + "-shm", file + ".lock", file + ".pid" })
        {
            try
            {
                PrivateFiles.Restrict(path);
            }
            catch (UnauthorizedAccessException exception)
            {
                throw new SqliteFileException($"Cannot make {path} readable by its owner only ({exception.Message}): make the silo's user its owner.", exception);
            }
        }
    }

    private static string ReadScript()
    {
        using var stream = typeof(SqliteDatabase).Assembly.GetManifestResourceStream(ScriptResource)
            ?? throw new InvalidOperationException($"Embedded resource '{ScriptResource}' is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// Opens <c>FILE.lock</c> for this process alone (an exclusive lock that the kernel drops when the process dies, even
    /// by kill -9) and writes this process's id in <c>FILE.pid</c>, so that a second silo on the same file names the
    /// holder instead of waiting for it. The pid is in a file of its own because the locked one cannot be read.
    /// </summary>
    private static FileStream TakeLock(string file)
    {
        lock (_heldHere)
        {
            if (!_heldHere.Add(file))
            {
                throw Held(file, Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            }
        }

        try
        {
            FileStream stream;
            try
            {
                stream = PrivateFiles.Open(file + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                string? holder = null;
                try
                {
                    holder = System.IO.File.ReadAllText(file + ".pid").Trim();
                }
                catch (IOException)
                {
                    // No pid to tell: the message says so.
                }

                throw Held(file, holder is { Length: > 0 } ? holder : "unknown");
            }

            using (var pid = new StreamWriter(PrivateFiles.Open(file + ".pid", FileMode.Create, FileAccess.Write, FileShare.Read)))
            {
                pid.Write(Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            }

            return stream;
        }
        catch
        {
            lock (_heldHere)
            {
                _heldHere.Remove(file);
            }

            throw;
        }
    }

    private static SqliteFileException Held(string file, string pid) => new(
        $"The embedded database {file} is in use by another Tasker silo (process {pid}). Stop that process, or give this one its own folder with Tasker__Embedded__DataPath.");

    private static void Release(string file, FileStream heldLock)
    {
        heldLock.Dispose();
        lock (_heldHere)
        {
            _heldHere.Remove(file);
        }
    }
}

/// <summary>The embedded database file cannot be used; the message names the file and what to do.</summary>
public sealed class SqliteFileException(string message, Exception? inner = null) : Exception(message, inner);
