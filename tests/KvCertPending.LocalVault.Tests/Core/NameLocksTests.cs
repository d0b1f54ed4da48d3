using KvCertPending.LocalVault.Lifecycle;
using Xunit;

namespace KvCertPending.LocalVault.Tests.Core;

/// <summary>The per-name lock behind the 409 Conflict rule for racing client operations.</summary>
public sealed class NameLocksTests
{
    [Fact]
    public async Task ASecondClientOperationOnABusyNameIsRefusedAndTheNameIsFreeAfterwards()
    {
        var locks = new NameLocks();

        using (var first = await locks.TryEnterAsync("Name-One"))
        {
            Assert.NotNull(first);
            Assert.Null(await locks.TryEnterAsync("name-one"));
            using var other = await locks.TryEnterAsync("name-two");
            Assert.NotNull(other);
        }

        using var again = await locks.TryEnterAsync("name-one");
        Assert.NotNull(again);
    }

    [Fact]
    public async Task AClientOperationWaitsForTheWorkerInsteadOfFailing()
    {
        var locks = new NameLocks();
        var worker = await locks.EnterForWorkerAsync("busy", CancellationToken.None);

        var client = locks.TryEnterAsync("busy");
        Assert.False(client.IsCompleted);
        worker.Dispose();

        using var entered = await client;
        Assert.NotNull(entered);
    }

    [Fact]
    public async Task TheWorkerWaitsForAClientOperation()
    {
        var locks = new NameLocks();
        var client = await locks.TryEnterAsync("busy");

        var worker = locks.EnterForWorkerAsync("busy", CancellationToken.None);
        Assert.False(worker.IsCompleted);
        client!.Dispose();

        using var entered = await worker;
        Assert.NotNull(entered);
    }
}
