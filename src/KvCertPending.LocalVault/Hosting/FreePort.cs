using System.Net;
using System.Net.Sockets;

namespace KvCertPending.LocalVault.Hosting;

/// <summary>Picks a TCP port free on loopback, so the vault can bind 127.0.0.1 and [::1] on the same port.</summary>
internal static class FreePort
{
    public static int Pick()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
