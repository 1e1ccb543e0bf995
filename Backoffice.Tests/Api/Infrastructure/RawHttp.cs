using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Backoffice.Tests.Api.Infrastructure;

/// <summary>What came back on the socket: status, headers (lower-case names) and the decoded body.</summary>
public sealed record RawResponse(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? MediaType => Headers.TryGetValue("content-type", out var type) ? type.Split(';')[0].Trim() : null;
}

/// <summary>
/// HTTP/1.1 written byte for byte on a socket, for requests no HTTP client would send (a space or
/// NUL in the request line, a malformed header) and for the limits Kestrel enforces before the
/// application sees anything. Each request closes its connection.
/// </summary>
public static class RawHttp
{
    public static async Task<RawResponse> SendAsync(Uri baseAddress, string request, IPAddress? localAddress = null)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (localAddress is not null)
        {
            socket.Bind(new IPEndPoint(localAddress, 0));
        }

        await socket.ConnectAsync(baseAddress.Host, baseAddress.Port, cancellationToken);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await stream.WriteAsync(Encoding.Latin1.GetBytes(request), cancellationToken);
        return Parse(await ReadToEndAsync(stream, cancellationToken));
    }

    /// <summary>Writes <paramref name="request"/> and reports how long until the server closed the connection.</summary>
    public static async Task<(TimeSpan Elapsed, byte[] Received)> SendAndAwaitCloseAsync(Uri baseAddress, string request, TimeSpan timeout)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeoutSource.CancelAfter(timeout);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(baseAddress.Host, baseAddress.Port, timeoutSource.Token);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var started = TimeProvider.System.GetTimestamp();
        await stream.WriteAsync(Encoding.Latin1.GetBytes(request), timeoutSource.Token);
        var received = await ReadToEndAsync(stream, timeoutSource.Token);
        return (TimeProvider.System.GetElapsedTime(started), received);
    }

    private static async Task<byte[]> ReadToEndAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        try
        {
            await stream.CopyToAsync(buffer, cancellationToken);
        }
        catch (IOException)
        {
            // A server that resets the connection after answering: keep what arrived.
        }

        return buffer.ToArray();
    }

    private static RawResponse Parse(byte[] bytes)
    {
        var text = Encoding.Latin1.GetString(bytes);
        var headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (headerEnd < 0)
        {
            throw new InvalidOperationException($"No HTTP response, received: '{text}'");
        }

        var lines = text[..headerEnd].Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
        }

        var body = bytes.AsSpan(Encoding.Latin1.GetByteCount(text[..(headerEnd + 4)]));
        var decoded = headers.TryGetValue("transfer-encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase)
            ? Dechunk(body)
            : body.ToArray();
        return new RawResponse(status, headers, Encoding.UTF8.GetString(decoded));
    }

    private static byte[] Dechunk(ReadOnlySpan<byte> body)
    {
        using var output = new MemoryStream();
        while (true)
        {
            var lineEnd = body.IndexOf("\r\n"u8);
            if (lineEnd < 0)
            {
                break;
            }

            var size = int.Parse(Encoding.ASCII.GetString(body[..lineEnd]).Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (size == 0)
            {
                break;
            }

            output.Write(body.Slice(lineEnd + 2, size));
            body = body[(lineEnd + 2 + size + 2)..];
        }

        return output.ToArray();
    }
}
