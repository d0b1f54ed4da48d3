namespace KvCertPending.LocalVault.Faults;

/// <summary>The active faults, checked for every Key Vault request. Thread-safe; empty (no effect) by default.</summary>
internal sealed class FaultInjector
{
    private readonly Lock _gate = new();
    private readonly List<ActiveFault> _faults = [];

    public void Add(VaultFault fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        ArgumentOutOfRangeException.ThrowIfLessThan(fault.Rate, 0, nameof(fault));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fault.Rate, 1, nameof(fault));
        lock (_gate)
        {
            _faults.Add(new ActiveFault(fault, fault.Count));
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _faults.Clear();
        }
    }

    public IReadOnlyList<(VaultFault Fault, int? Remaining)> Snapshot()
    {
        lock (_gate)
        {
            return _faults.Select(f => (f.Fault, f.Remaining)).ToList();
        }
    }

    /// <summary>The first fault that applies to this request (spending one of a counted fault), or null.</summary>
    public VaultFault? Pick(string method, PathString path)
    {
        lock (_gate)
        {
            foreach (var active in _faults)
            {
                var fault = active.Fault;
                if ((fault.Method is not null && !string.Equals(fault.Method, method, StringComparison.OrdinalIgnoreCase))
                    || (fault.PathPrefix is not null && !path.StartsWithSegments(fault.PathPrefix, StringComparison.OrdinalIgnoreCase)))
                {
                    continue;
                }

                if (active.Remaining is { } remaining)
                {
                    if (remaining <= 0)
                    {
                        continue;
                    }

                    active.Remaining = remaining - 1;
                    return fault;
                }

                if (fault.Rate >= 1 || Random.Shared.NextDouble() < fault.Rate)
                {
                    return fault;
                }
            }

            return null;
        }
    }

    private sealed class ActiveFault(VaultFault fault, int? remaining)
    {
        public VaultFault Fault { get; } = fault;

        public int? Remaining { get; set; } = remaining;
    }
}
