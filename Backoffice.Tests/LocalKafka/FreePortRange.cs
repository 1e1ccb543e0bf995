using System.Net;
using System.Net.Sockets;

namespace Backoffice.Tests.LocalKafka;

internal static class FreePortRange
{
    /// <summary>
    /// The first of <paramref name="count"/> consecutive loopback ports that are free right now
    /// (another process could still take one before the caller binds it; callers are quick).
    /// </summary>
    public static int Find(int count)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var first = Random.Shared.Next(20_000, 60_000);
            var probes = new List<Socket>();
            try
            {
                for (var i = 0; i < count; i++)
                {
                    var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    probes.Add(probe);
                    probe.Bind(new IPEndPoint(IPAddress.Loopback, first + i));
                }

                return first;
            }
            catch (SocketException)
            {
                // Taken: try another range.
            }
            finally
            {
                foreach (var probe in probes)
                {
                    probe.Dispose();
                }
            }
        }

        throw new InvalidOperationException($"No {count} consecutive free loopback ports found.");
    }
}
