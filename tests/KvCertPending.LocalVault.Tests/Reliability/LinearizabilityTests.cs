using Xunit;

namespace KvCertPending.LocalVault.Tests.Reliability;

/// <summary>The load and crash tests' checker itself: it accepts what a correct vault can show and refuses a lost update.</summary>
public sealed class LinearizabilityTests
{
    private const string Name = "n";

    [Fact]
    public void SequentialLifecycle_IsExplained()
    {
        LifecycleOp[] ops = [At(new CreateOp(Name, "r1"), 0, 1), At(new CancelOp(Name), 2, 3), At(new MergeOp(Name, "r1", "cer"), 4, 5)];
        Assert.True(Linearizability.Explains(ops, [], new NameState(true, "cer", "r1", "completed", true)));
    }

    [Fact]
    public void LostUpdate_IsNotExplained()
    {
        LifecycleOp[] ops = [At(new CreateOp(Name, "r1"), 0, 1), At(new MergeOp(Name, "r1", "cer"), 2, 3)];
        Assert.False(Linearizability.Explains(ops, [], new NameState(true, null, "r1", "inProgress", false)));
        Assert.False(Linearizability.Explains(ops, [], NameState.Nothing));
    }

    [Fact]
    public void RealTimeOrder_IsRespected_OverlapMayGoEitherWay()
    {
        // Delete finished before cancel started: cancel cannot have been applied first.
        LifecycleOp[] ordered = [At(new CreateOp(Name, "r1"), 0, 1), At(new DeletePendingOp(Name), 2, 3), At(new CancelOp(Name), 4, 5)];
        Assert.False(Linearizability.Explains(ordered, [], new NameState(true, null, null, null, false)));

        // Overlapping: cancel then delete is a valid order.
        LifecycleOp[] overlapping = [At(new CreateOp(Name, "r1"), 0, 1), At(new DeletePendingOp(Name), 2, 5), At(new CancelOp(Name), 3, 4)];
        Assert.True(Linearizability.Explains(overlapping, [], new NameState(true, null, null, null, false)));
    }

    [Fact]
    public void LostAnswer_MayOrMayNotHaveHappened()
    {
        LifecycleOp[] acked = [At(new CreateOp(Name, "r1"), 0, 1)];
        LifecycleOp[] maybe = [At(new MergeOp(Name, "r1", "cer"), 2, long.MaxValue)];
        Assert.True(Linearizability.Explains(acked, maybe, new NameState(true, null, "r1", "inProgress", false)));
        Assert.True(Linearizability.Explains(acked, maybe, new NameState(true, "cer", "r1", "completed", false)));
        Assert.False(Linearizability.Explains(acked, maybe, new NameState(true, "other", "r1", "completed", false)));
    }

    private static LifecycleOp At(LifecycleOp op, long started, long finished)
    {
        op.Finished = finished;
        return op with { Started = started };
    }
}
