namespace KvCertPending.LocalVault.Faults;

/// <summary>The active faults, checked for every Key Vault request. Thread-safe; empty (no effect) by default.</summary>
internal sealed class FaultInjector
{
    private readonly Lock _gate = new();
    private readonly List<ActiveFault> _faults = [];

    /// <summary>How many faults are listed; read without the lock so that requests do not queue on it when there are none.</summary>
    private volatile int _count;

    public void Add(VaultFault fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        ArgumentOutOfRangeException.ThrowIfLessThan(fault.Rate, 0, nameof(fault));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fault.Rate, 1, nameof(fault));
        lock (_gate)
        {
            _faults.Add(new ActiveFault(fault, fault.Count));
            _count = _faults.Count;
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _faults.Clear();
            _count = 0;
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
        if (_count == 0)
        {
            return null;
        }

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
