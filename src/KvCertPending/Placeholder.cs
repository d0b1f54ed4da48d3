namespace KvCertPending
{
    internal static class Placeholder
    {
    }
}
