namespace KvCertPending.LocalVault.Tests.Infrastructure;

/// <summary>Reads an SDK pageable (following nextLink) to the end.</summary>
internal static class AsyncPages
{
    public static async Task<List<T>> ToListAsync<T>(this IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (T item in items.ConfigureAwait(false))
        {
            list.Add(item);
        }

        return list;
    }
}
