using KvCertPending.LocalVault.Model;
using KvCertPending.LocalVault.Storage;

namespace KvCertPending.LocalVault.Lifecycle;

/// <summary>The simulation per issuer name, kept in the database; issuers without one use the default.</summary>
internal sealed class Simulations
{
    private readonly VaultCore _core;

    public Simulations(VaultCore core) => _core = core;

    /// <summary>The issuer's simulation: its own, else the default (for Self: signed after SelfIssuanceDelay, cancellation honoured).</summary>
    public IssuerSimulation Get(string issuerName) =>
        _core.Database.Read(tx => tx.GetSimulation(issuerName))?.ToSimulation()
        ?? (PolicyRules.IsSelf(issuerName)
            ? new IssuerSimulation(_core.Options.SelfIssuanceDelay, IssuerOutcome.Issue, HonourCancellation: true)
            : _core.Options.DefaultSimulation);

    public void Set(string issuerName, IssuerSimulation simulation)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(simulation.Delay, TimeSpan.Zero, nameof(simulation));
        _core.Database.Write(tx =>
        {
            tx.PutSimulation(new SimulationRecord
            {
                Issuer = issuerName,
                DelaySeconds = simulation.Delay.TotalSeconds,
                Outcome = simulation.Outcome,
                HonourCancellation = simulation.HonourCancellation,
            });
            return 0;
        });
    }
}
