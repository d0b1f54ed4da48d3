using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;

namespace KvCertPending.Tests.Secrets;

/// <summary>
/// Every log entry the local vault writes, at every level (LocalVaultOptions.LoggerProvider): category, level, event,
/// the formatted message, each structured value, the scopes around it and the exception with its stack.
/// </summary>
internal sealed class VaultLogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _entries = new();
    private readonly AsyncLocal<ImmutableScopes?> _scopes = new();

    public IReadOnlyCollection<string> Entries => _entries;

    public int Count => _entries.Count;

    public string Text => string.Join("\n", _entries);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed record ImmutableScopes(object? State, ImmutableScopes? Parent);

    private sealed class Logger(VaultLogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            var previous = owner._scopes.Value;
            owner._scopes.Value = new ImmutableScopes(state, previous);
            return new Pop(() => owner._scopes.Value = previous);
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var entry = new StringBuilder();
            entry.Append(logLevel).Append(' ').Append(category).Append('[').Append(eventId.Id).Append(' ').Append(eventId.Name).Append("] ");
            entry.Append(formatter(state, exception));
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
            {
                foreach (var (key, value) in values)
                {
                    entry.Append(" | ").Append(key).Append('=').Append(value);
                }
            }

            for (var scope = owner._scopes.Value; scope is not null; scope = scope.Parent)
            {
                entry.Append(" | scope: ").Append(scope.State);
                if (scope.State is IEnumerable<KeyValuePair<string, object?>> scopeValues)
                {
                    foreach (var (key, value) in scopeValues)
                    {
                        entry.Append(' ').Append(key).Append('=').Append(value);
                    }
                }
            }

            if (exception is not null)
            {
                entry.Append(" | exception: ").Append(exception);
            }

            owner._entries.Enqueue(entry.ToString());
        }
    }

    private sealed class Pop(Action pop) : IDisposable
    {
        public void Dispose() => pop();
    }
}
