using System;
using System.Collections.Concurrent;
using System.Management.Automation.Runspaces;
using KvCertPending.Model;

namespace KvCertPending.Engine
{
    /// <summary>
    /// Connect-KvVault's defaults, one set per runspace (so two runspaces of one process do not share a sign-in).
    /// Explicit parameters always win over them.
    /// </summary>
    internal static class SessionDefaults
    {
        private static readonly ConcurrentDictionary<Guid, Entry> Entries = new();

        public static Entry? Current => Key() is { } key && Entries.TryGetValue(key, out var entry) ? entry : null;

        public static void Set(Entry entry)
        {
            if (Key() is { } key)
            {
                Entries[key] = entry;
            }
        }

        public static bool Clear() => Key() is { } key && Entries.TryRemove(key, out _);

        private static Guid? Key() => Runspace.DefaultRunspace?.InstanceId;

        internal sealed class Entry
        {
            public Entry(KvConnection info, VaultEndpoint? endpoint, ICredentialChoice credential)
            {
                Info = info;
                Endpoint = endpoint;
                Credential = credential;
            }

            public KvConnection Info { get; }

            public VaultEndpoint? Endpoint { get; }

            public ICredentialChoice Credential { get; }
        }
    }
}
