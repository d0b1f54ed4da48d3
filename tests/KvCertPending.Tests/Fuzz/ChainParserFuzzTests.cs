using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Xunit.Abstractions;

namespace KvCertPending.Tests.Fuzz;

/// <summary>
/// Layer (a) for chains: thousands of mutated PEM, DER, PKCS#7 and base64 chains straight into the module's
/// ChainReader, MergeChain and DER reader. Contract: a chain is read whole, or refused with the exceptions the cmdlet
/// turns into CertificateChainUnreadable (InvalidDataException, CryptographicException, FormatException) and a real
/// message; whatever is read then goes through MergeChain, which answers with the chain or a module error. Nothing
/// else may escape (no IndexOutOfRange, Overflow, NullReference, stack overflow...).
/// </summary>
public sealed class ChainParserFuzzTests
{
    private const int Seed = 20261123;
    private readonly ITestOutputHelper _output;

    public ChainParserFuzzTests(ITestOutputHelper output) => _output = output;

    private static ModuleParsers Parsers => ModuleParsers.Instance;

    [Fact]
    public void EveryEncodingOfAGoodChainReadsWholeAndMergesLeafFirst()
    {
        var material = ChainMaterial.Load();
        var run = new FuzzRun("good chains", Seed, _output);
        foreach (var (kind, bytes) in material.Encodings())
        {
            var warnings = new List<string>();
            var read = Parsers.ReadBytes(bytes, warnings);
            var expected = kind.Contains("leaf", StringComparison.Ordinal) || kind is "base64 der" or "base64 wrapped" ? [material.Leaf] : material.LeafFirst;
            if (!read.Select(c => c.Thumbprint).Order().SequenceEqual(expected.Select(c => c.Thumbprint).Order()))
            {
                run.Failed(kind, "read " + string.Join(", ", read.Select(c => c.Subject)));
                continue;
            }

            var ordered = Parsers.Prepare("fuzz", read, material.Csr, warnings);
            if (!ordered.Select(c => c.Thumbprint).SequenceEqual(expected.Select(c => c.Thumbprint)))
            {
                run.Failed(kind, "ordered " + string.Join(", ", ordered.Select(c => c.Subject)));
                continue;
            }

            run.Passed(kind, accepted: true);
        }

        run.Report();
    }

    [Fact]
    public void MutatedChainsAreReadOrRefusedCleanly()
    {
        var material = ChainMaterial.Load();
        var encodings = material.Encodings();
        var run = new FuzzRun("chain mutations (ChainReader.ReadBytes + MergeChain.Prepare)", Seed, _output);
        foreach (var kind in ChainMutations.Kinds)
        {
            var count = kind is "very long" ? 16 : kind is "empty" ? 4 : 300;
            for (var i = 0; i < count; i++)
            {
                var (source, bytes) = run.Pick(encodings);
                var input = ChainMutations.Mutate(kind, bytes, run);
                Check(run, kind, source, input, material);
            }
        }

        run.Report();
    }

    [Fact]
    public void MutatedX5cItemsAreReadOrRefusedCleanly()
    {
        var material = ChainMaterial.Load();
        var run = new FuzzRun("-X5c items (ChainReader.ReadX5c)", Seed + 1, _output);
        var good = material.LeafFirst.Select(c => Convert.ToBase64String(c.RawData)).ToArray();
        for (var i = 0; i < 600; i++)
        {
            var kind = run.Pick(ChainMutations.Kinds.Where(k => k != "very long").ToArray());
            var items = (string[])good.Clone();
            var at = run.Random.Next(items.Length);
            items[at] = System.Text.Encoding.Latin1.GetString(ChainMutations.Mutate(kind, System.Text.Encoding.ASCII.GetBytes(items[at]), run));
            try
            {
                var read = Parsers.ReadX5c(items, []);
                run.Passed(kind, accepted: read.Count > 0);
            }
            catch (Exception ex) when (IsCleanRefusal(ex))
            {
                if (!ex.Message.Contains("-X5c item " + at, StringComparison.Ordinal))
                {
                    run.Failed(kind, "message does not name the item: " + ex.Message);
                    continue;
                }

                run.Passed(kind, accepted: false);
            }
            catch (Exception ex)
            {
                run.Failed(kind, ex.GetType().Name + ": " + ex.Message + " <- " + FuzzRun.Describe(items[at]));
            }
        }

        run.Report();
    }

    [Fact]
    public void MutatedCsrsNeverBreakTheKeyCheck()
    {
        var material = ChainMaterial.Load();
        var run = new FuzzRun("CSRs (PublicKeyInfo.FromCsr via MergeChain.Prepare)", Seed + 2, _output);
        foreach (var kind in ChainMutations.Kinds.Where(k => k is not ("very long" or "wrong pem label" or "whitespace" or "utf-16 / bom" or "mixed encodings")))
        {
            for (var i = 0; i < (kind == "empty" ? 2 : 150); i++)
            {
                var csr = ChainMutations.Mutate(kind, material.Csr, run);
                try
                {
                    var ordered = Parsers.Prepare("fuzz", material.LeafFirst, csr, []);
                    // Accepted only when the mutated request still carries the leaf's key.
                    run.Passed(kind, accepted: ordered[0].Thumbprint == material.Leaf.Thumbprint);
                }
                catch (Exception ex) when (ModuleParsers.ModuleError(ex) is { } error)
                {
                    if (error.ErrorId is not ("PendingCertificateHasNoCsr" or "CertificateKeyMismatch") || error.Category is not (System.Management.Automation.ErrorCategory.InvalidData or System.Management.Automation.ErrorCategory.InvalidArgument))
                    {
                        run.Failed(kind, $"{error.ErrorId}/{error.Category}: {ex.Message}");
                        continue;
                    }

                    run.Passed(kind, accepted: false);
                }
                catch (Exception ex)
                {
                    run.Failed(kind, ex.GetType().Name + ": " + ex.Message + " <- " + FuzzRun.Describe(csr));
                }
            }
        }

        run.Report();
    }

    private static void Check(FuzzRun run, string kind, string source, byte[] input, ChainMaterial material)
    {
        List<X509Certificate2> read;
        var warnings = new List<string>();
        try
        {
            read = Parsers.ReadBytes(input, warnings);
        }
        catch (Exception ex) when (IsCleanRefusal(ex))
        {
            if (string.IsNullOrWhiteSpace(ex.Message) || ex.Message.StartsWith("Exception of type", StringComparison.Ordinal))
            {
                run.Failed(kind, "refusal without a message: " + ex.GetType().Name);
                return;
            }

            run.Passed(kind, accepted: false);
            return;
        }
        catch (Exception ex)
        {
            run.Failed(kind, $"{source}: {ex.GetType().Name}: {ex.Message} <- {FuzzRun.Describe(input)}");
            return;
        }

        if (read.Count == 0)
        {
            run.Failed(kind, source + ": an empty chain was returned instead of refused");
            return;
        }

        try
        {
            var ordered = Parsers.Prepare("fuzz", read, material.Csr, warnings);
            run.Passed(kind, accepted: ordered.Count > 0);
        }
        catch (Exception ex) when (ModuleParsers.ModuleError(ex) is { ErrorId: "CertificateKeyMismatch" or "CertificateChainEmpty" or "CertificateChainUnreadable" })
        {
            run.Passed(kind, accepted: false);
        }
        catch (Exception ex)
        {
            run.Failed(kind, $"{source}: MergeChain: {ex.GetType().Name}: {ex.Message} <- {FuzzRun.Describe(input)}");
        }
    }

    private static bool IsCleanRefusal(Exception ex) => ex is InvalidDataException or CryptographicException or FormatException;
}
