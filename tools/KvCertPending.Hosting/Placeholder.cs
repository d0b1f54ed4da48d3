namespace KvCertPending.Hosting;

internal static class Placeholder
{
}
