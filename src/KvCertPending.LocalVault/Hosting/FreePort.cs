using System.Net;
using System.Net.Sockets;

namespace KvCertPending.LocalVault.Hosting;

/// <summary>Loopback ports: a free one for port 0, and whether [::1] can be bound next to 127.0.0.1.</summary>
internal static class FreePort
{
    /// <summary>A port free on 127.0.0.1 (and on [::1] when the machine has IPv6 loopback).</summary>
    public static int Pick()
    {
        for (var attempt = 0; ; attempt++)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            if (!HasIPv6Loopback() || CanBind(IPAddress.IPv6Loopback, port) || attempt >= 10)
            {
                return port;
            }
        }
    }

    /// <summary>True when [::1] can be bound on this machine (some containers have IPv6 switched off).</summary>
    public static bool HasIPv6Loopback() => Socket.OSSupportsIPv6 && CanBind(IPAddress.IPv6Loopback, 0);

    private static bool CanBind(IPAddress address, int port)
    {
        try
        {
            using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(address, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
