using System.Management.Automation;
using Azure.Security.KeyVault.Certificates;
using KvCertPending.LocalVault;
using KvCertPending.Tests.Infrastructure;
using Xunit.Abstractions;

namespace KvCertPending.Tests.Reliability;

/// <summary>
/// Requests whose answer is lost (the vault acted, then dropped the connection): the module never doubles them and
/// never turns its own success into a confusing 409/403/404; a request that was not acted on is sent again once;
/// someone else's pending request still fails clearly.
/// </summary>
public sealed class LostAnswerTests : FaultTest
{
    public LostAnswerTests(ModuleVault vault, ITestOutputHelper output)
        : base(vault, output)
    {
    }

    [Fact]
    public async Task CreateWhoseAnswerWasLostReturnsItsOwnPendingRequest()
    {
        var name = NewName("lostcreate");
        Inject(VaultFaultKind.DropAfterHandling, "POST", $"/certificates/{name}/create", count: 1);

        var created = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN={name}' -DnsName {name}.example -Tag @{{ owner = 'ops' }}").Single();

        Assert.Equal(0, FaultsRemaining());
        var pending = (await PendingAsync(name))!;
        Assert.Equal(pending.RequestId, (string)created.RequestId);
        Assert.Equal("inProgress", (string)created.Status);
        Assert.Equal(Convert.ToBase64String(pending.Csr), Convert.ToBase64String((byte[])created.Csr));
        Assert.Equal(1, await VersionCountAsync(name));
    }

    [Fact]
    public async Task CreateWithAFullPolicyWhoseAnswerWasLostIsRecognised()
    {
        // Every policy field the module sends is compared with what the vault holds (which it writes back its own way).
        var name = NewName("lostfull");
        Inject(VaultFaultKind.DropAfterHandling, "POST", $"/certificates/{name}/create", count: 1);

        var created = Ps.Run(
            $"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN={name}, O=Contoso, C=GB' -DnsName a.example,b.example " +
            "-EmailName ops@example.com -KeyType EC -Curve P-384 -NotExportable -ContentType application/x-pem-file -ValidityInMonths 6 " +
            "-Tag @{ team = 'pki'; env = 'test' } -Disabled").Single();

        Assert.Equal(0, FaultsRemaining());
        Assert.Equal((await PendingAsync(name))!.RequestId, (string)created.RequestId);
        Assert.Equal(1, await VersionCountAsync(name));
    }

    [Fact]
    public async Task CreateWithOtherTagsIsNotTakenForOurs()
    {
        // Same subject, made a moment ago by someone else with other tags: not ours.
        var name = NewName("othertags");
        var theirs = await Vault.Client.StartCreateCertificateAsync(name, new CertificatePolicy("Unknown", "CN=" + name), tags: new Dictionary<string, string> { ["team"] = "other" });
        Inject(VaultFaultKind.DropBeforeHandling, "POST", $"/certificates/{name}/create", count: 1);

        var error = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN={name}' -Tag @{{ team = 'pki' }}").SingleError();

        AssertError(error, "PendingCertificateInProgress", ErrorCategory.ResourceExists);
        Assert.Equal(theirs.Properties.RequestId, (await PendingAsync(name))!.RequestId);
    }

    [Fact]
    public async Task CreateWithAnIssuerWhoseAnswerWasLostAndWhoseFirstCheckDroppedIsMadeOnce()
    {
        var name = NewName("lost2");
        Inject(VaultFaultKind.DropAfterHandling, "POST", $"/certificates/{name}/create", count: 1);
        Inject(VaultFaultKind.DropBeforeHandling, "GET", $"/certificates/{name}", count: 1);

        var created = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN={name}' -IssuerName {ModuleVault.SlowIssuer}").Single();

        Assert.Equal(0, FaultsRemaining());
        Assert.Equal((await PendingAsync(name))!.RequestId, (string)created.RequestId);
        Assert.Equal(1, await VersionCountAsync(name));
    }

    [Fact]
    public async Task CreateDroppedBeforeTheVaultActedIsSentAgainOnce()
    {
        var name = NewName("dropbefore");
        Inject(VaultFaultKind.DropBeforeHandling, "POST", $"/certificates/{name}/create", count: 1);

        var created = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN={name}'").Single();

        Assert.Equal(0, FaultsRemaining());
        Assert.Equal((await PendingAsync(name))!.RequestId, (string)created.RequestId);
        Assert.Equal(1, await VersionCountAsync(name));
    }

    [Fact]
    public async Task CreateThatMeetsSomeoneElsesPendingRequestAfterALostAnswerStillFails()
    {
        var name = NewName("theirs");
        var theirs = await CreateManualAsync(name, "CN=theirs");

        // Our create is lost before the vault sees it; the module looks, finds a request that is not ours (another
        // subject), sends again, meets 409, looks again: still not ours.
        Inject(VaultFaultKind.DropBeforeHandling, "POST", $"/certificates/{name}/create", count: 1);
        var result = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN=ours'");

        var error = result.SingleError();
        AssertError(error, "PendingCertificateInProgress", ErrorCategory.ResourceExists);
        Assert.Empty(result.Output);
        Assert.Equal(0, FaultsRemaining());
        var pending = (await PendingAsync(name))!;
        Assert.Equal(theirs.RequestId, pending.RequestId);
        Assert.Equal(1, await VersionCountAsync(name));
    }

    [Fact]
    public async Task CreateWithTheSameSubjectAsAnOlderRequestIsNotMistakenForIt()
    {
        // Same policy, but the request was made before this operation began (in the vault's clock): not ours. The
        // module allows 2 s for the vault's clock resolution, and the vault's times are whole seconds (up to 1 s
        // more); the rest of the wait is margin for a loaded machine, where an answer can take a while to be read.
        var name = NewName("older");
        var theirs = await CreateManualAsync(name, "CN=" + name);
        await Task.Delay(TimeSpan.FromSeconds(4.5));
        Inject(VaultFaultKind.DropBeforeHandling, "POST", $"/certificates/{name}/create", count: 1);

        var error = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN={name}'").SingleError();

        AssertError(error, "PendingCertificateInProgress", ErrorCategory.ResourceExists);
        Assert.Equal(theirs.RequestId, (await PendingAsync(name))!.RequestId);
    }

    [Fact]
    public async Task MergeWhoseAnswerWasLostReportsTheCompletedCertificate()
    {
        var name = NewName("lostmerge");
        var created = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN={name}'").Single();
        var x5c = await Vault.SignAsync((byte[])created.Csr);
        Ps.SetVariable("x5c", x5c);
        Inject(VaultFaultKind.DropAfterHandling, "POST", $"/certificates/{name}/pending/merge", count: 1);

        var merged = Ps.Run($"Merge-KvCertificate -VaultUri $VaultUri -Name {name} -X5c $x5c").Single();

        Assert.Equal(0, FaultsRemaining());
        var leaf = Chains.Parse(x5c)[0];
        Assert.Equal(leaf.Thumbprint, (string)merged.Thumbprint);
        Assert.Equal(name, (string)merged.Name);
        Assert.Equal("completed", (await PendingAsync(name))!.Status);
        Assert.Equal(1, await VersionCountAsync(name));
        Assert.Equal(leaf.RawData, (await Vault.Client.GetCertificateAsync(name)).Value.Cer);
    }

    [Fact]
    public async Task MergeDroppedBeforeTheVaultActedIsSentAgainOnce()
    {
        var name = NewName("mergebefore");
        var created = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN={name}'").Single();
        Ps.SetVariable("x5c", await Vault.SignAsync((byte[])created.Csr));
        Inject(VaultFaultKind.DropBeforeHandling, "POST", $"/certificates/{name}/pending/merge", count: 1);

        var merged = Ps.Run($"Merge-KvCertificate -VaultUri $VaultUri -Name {name} -X5c $x5c").Single();

        Assert.Equal(0, FaultsRemaining());
        Assert.Equal("CN=" + name, (string)merged.Subject);
        Assert.Equal("completed", (await PendingAsync(name))!.Status);
        Assert.Equal(1, await VersionCountAsync(name));
    }

    [Fact]
    public async Task MergeWhoseAnswerIsLostAndTheVaultCannotBeAskedSaysWhatToRun()
    {
        var name = NewName("mergeunknown");
        var created = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN={name}'").Single();
        Ps.SetVariable("x5c", await Vault.SignAsync((byte[])created.Csr));
        Ps.SetVariable("KvCertPendingOperationTimeout", 3);
        Inject(VaultFaultKind.DropAfterHandling, "POST", $"/certificates/{name}/pending/merge", count: 1);

        // The cmdlet reads the pending object (its CSR) first: let that one through (a fault that does nothing, met first).
        Inject(VaultFaultKind.Latency, "GET", $"/certificates/{name}/pending", count: 1);
        Inject(VaultFaultKind.Unavailable, "GET", $"/certificates/{name}", count: 100);

        var error = Ps.Run($"Merge-KvCertificate -VaultUri $VaultUri -Name {name} -X5c $x5c").SingleError();
        Output.WriteLine(error.Exception.Message + " | " + error.ErrorDetails?.RecommendedAction);

        // The merge's own failure (its connection was dropped), with what to run to find out whether it was done.
        AssertError(error, "VaultUnreachable", ErrorCategory.ConnectionError);
        Assert.Contains("merge request was lost", error.ErrorDetails!.RecommendedAction, StringComparison.Ordinal);
        Assert.Contains($"Get-KvPendingCertificate -Name {name}", error.ErrorDetails.RecommendedAction, StringComparison.Ordinal);
        Server.ClearFaults();
        Assert.Equal("completed", (await PendingAsync(name))!.Status);
        Assert.Equal(1, await VersionCountAsync(name));
    }

    [Fact]
    public async Task LifecyclesUnderGeneratedFaultsAreNeverDoubled()
    {
        // Each name's create, merge and reads meet up to two faults drawn from a fixed seed (so a failure replays):
        // answer dropped after the vault acted, dropped before, 500 or 503. Every lifecycle must end with one version,
        // completed with its own leaf. (Counted faults per path: the vault's own rates are not seeded.)
        const int Names = 8;
        var random = new Random(20261123);
        var prefix = NewName("gen");
        VaultFaultKind[] writeFaults = [VaultFaultKind.DropAfterHandling, VaultFaultKind.DropBeforeHandling, VaultFaultKind.InternalError, VaultFaultKind.Unavailable];
        VaultFaultKind[] readFaults = [VaultFaultKind.DropBeforeHandling, VaultFaultKind.Unavailable, VaultFaultKind.InternalError];
        var met = 0;
        var failures = new List<string>();
        for (var i = 0; i < Names; i++)
        {
            var name = $"{prefix}-{i}";
            var schedule = new List<string>();
            void Draw(string method, string path, VaultFaultKind[] kinds, int most)
            {
                for (var n = random.Next(most + 1); n > 0; n--)
                {
                    var kind = kinds[random.Next(kinds.Length)];
                    Server.InjectFault(new VaultFault(kind) { Method = method, PathPrefix = path, Count = 1, RetryAfterSeconds = 0 });
                    schedule.Add($"{method} {path[(prefix.Length + 14)..]} {kind}");
                }
            }

            Draw("POST", $"/certificates/{name}/create", writeFaults, 2);
            Draw("POST", $"/certificates/{name}/pending/merge", writeFaults, 2);
            Draw("GET", $"/certificates/{name}", readFaults, 1);
            Output.WriteLine(name + ": " + (schedule.Count == 0 ? "no fault" : string.Join(", ", schedule)));
            var before = FaultsRemaining();

            var created = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN={name}'");
            if (created.Errors.Count > 0)
            {
                failures.Add(name + " create: " + created.Errors[0].Exception.Message);
                continue;
            }

            var x5c = await Vault.SignAsync((byte[])created.Output[0].Properties["Csr"].Value);
            Ps.SetVariable("x5c", x5c);
            var merged = Ps.Run($"Merge-KvCertificate -VaultUri $VaultUri -Name {name} -X5c $x5c");
            failures.AddRange(merged.Errors.Select(e => name + " merge: " + e.Exception.Message));
            met += before - FaultsRemaining();

            Assert.Equal(1, await VersionCountAsync(name));
            Assert.Equal("completed", (await PendingAsync(name))!.Status);
            Assert.Equal(Convert.FromBase64String(x5c[0]), (await Vault.Client.GetCertificateAsync(name)).Value.Cer);
            Server.ClearFaults();
        }

        Output.WriteLine($"{Names} lifecycles, {met} faults met, errors: {failures.Count}");
        failures.ForEach(Output.WriteLine);
        Assert.Empty(failures);
        Assert.True(met >= Names, "the generated schedule hardly touched the lifecycles");
    }

    [Fact]
    public async Task CancellationWhoseAnswerWasLostIsFoundRecordedNotRefused()
    {
        // The issuer honours the cancellation at once: a blind second PATCH would meet 403 "Pending status must be in
        // progress" (CancellationNotAllowed) for its own success. The module looks instead and finds it recorded.
        var name = NewName("lostcancel");
        var made = Ps.Run($"New-KvCertificate -VaultUri $VaultUri -Name {name} -Subject 'CN={name}' -IssuerName {ModuleVault.SlowIssuer}").Single();
        Inject(VaultFaultKind.DropAfterHandling, "PATCH", $"/certificates/{name}/pending", count: 1);

        var stopped = Ps.Run($"Stop-KvPendingCertificate -VaultUri $VaultUri -Name {name} -Force").Single();

        Assert.Equal(0, FaultsRemaining());
        Assert.True((bool)stopped.CancellationRequested);
        Assert.Equal((string)made.RequestId, (string)stopped.RequestId);
        Assert.True((await PendingAsync(name))!.CancellationRequested);
    }

    [Fact]
    public async Task DeleteMeetingAnInternalErrorIsNotSentAgainAndChangesNothing()
    {
        var name = NewName("del500");
        var made = await CreateManualAsync(name, "CN=" + name);
        Inject(VaultFaultKind.InternalError, "DELETE", $"/certificates/{name}/pending", count: 1);

        var error = Ps.Run($"Remove-KvPendingCertificate -VaultUri $VaultUri -Name {name} -Force").SingleError();

        AssertError(error, "VaultUnavailable", ErrorCategory.ResourceUnavailable);
        Assert.Contains("not sent again", error.Exception.Message, StringComparison.Ordinal);
        Assert.Equal(made.RequestId, (await PendingAsync(name))!.RequestId);
    }

    [Fact]
    public async Task DeleteWhoseAnswerWasLostIsNotSentAgainBlindly()
    {
        var name = NewName("lostdelete");
        await CreateManualAsync(name, "CN=" + name);
        Inject(VaultFaultKind.DropAfterHandling, "DELETE", $"/certificates/{name}/pending", count: 1);

        var error = Ps.Run($"Remove-KvPendingCertificate -VaultUri $VaultUri -Name {name} -Force").SingleError();
        Output.WriteLine(error.Exception.Message);

        // Not a confusing PendingCertificateNotFound from a second DELETE: the connection error, and that it was not resent.
        AssertError(error, "VaultUnreachable", ErrorCategory.ConnectionError);
        Assert.Contains("not sent again", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains($"Get-KvPendingCertificate -Name {name}", error.ErrorDetails!.RecommendedAction, StringComparison.Ordinal);
        Assert.Null(await PendingAsync(name));
    }
}
