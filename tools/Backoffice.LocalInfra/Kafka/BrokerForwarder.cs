using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Backoffice.LocalInfra.Kafka;

/// <summary>
/// Listens on a broker's stable address and relays every connection to the mock broker's own
/// (randomly chosen) port. Requests are relayed frame by frame so the cluster can look at
/// Metadata requests before the broker sees them; responses are copied as bytes.
/// </summary>
internal sealed class BrokerForwarder : IAsyncDisposable
{
    // The mock broker's own receive.message.max.bytes default: it rejects anything larger.
    private const int MaxFrameSize = 100_000_000;
    private const int Backlog = 128;

    private readonly Lock _gate = new();
    private readonly IPAddress[] _addresses;
    private readonly Socket[] _sockets;
    private readonly IPEndPoint _upstream;
    private readonly Action<ReadOnlyMemory<byte>> _inspectRequest;
    private readonly ConcurrentDictionary<Relay, byte> _relays = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _acceptLoops = [];
    private bool _down;
    private bool _stopped;

    private BrokerForwarder(IPAddress[] addresses, Socket[] sockets, int port, IPEndPoint upstream, Action<ReadOnlyMemory<byte>> inspectRequest)
    {
        _addresses = addresses;
        _sockets = sockets;
        Port = port;
        _upstream = upstream;
        _inspectRequest = inspectRequest;
    }

    public int Port { get; }

    /// <summary>
    /// Binds <paramref name="port"/> (0 = any free port) on every address in
    /// <paramref name="addresses"/>; the first address is required, the others are best effort
    /// (e.g. <c>::1</c> for <c>localhost</c> on a machine without IPv6).
    /// </summary>
    public static BrokerForwarder Start(IReadOnlyList<IPAddress> addresses, int port, IPEndPoint upstream, Action<ReadOnlyMemory<byte>> inspectRequest)
    {
        var bound = new List<(IPAddress Address, Socket Socket)>();
        try
        {
            var first = Bind(addresses[0], port);
            bound.Add((addresses[0], first));
            var boundPort = ((IPEndPoint)first.LocalEndPoint!).Port;
            foreach (var address in addresses.Skip(1))
            {
                try
                {
                    bound.Add((address, Bind(address, boundPort)));
                }
                catch (SocketException)
                {
                    // Best effort: clients still reach the first address.
                }
            }

            foreach (var (_, socket) in bound)
            {
                socket.Listen(Backlog);
            }

            var forwarder = new BrokerForwarder(
                bound.Select(b => b.Address).ToArray(), bound.Select(b => b.Socket).ToArray(), boundPort, upstream, inspectRequest);
            lock (forwarder._gate)
            {
                forwarder.StartAcceptLoops();
            }

            return forwarder;
        }
        catch
        {
            foreach (var (_, socket) in bound)
            {
                socket.Dispose();
            }

            throw;
        }
    }

    /// <summary>
    /// Drops every relayed connection and refuses new ones until <see cref="SetUp"/>, as a stopped
    /// broker would. The port stays bound (not listening), so nobody else can take it meanwhile.
    /// </summary>
    public void SetDown()
    {
        lock (_gate)
        {
            if (_down || _stopped)
            {
                return;
            }

            _down = true;
            for (var i = 0; i < _sockets.Length; i++)
            {
                _sockets[i].Dispose();
                _sockets[i] = Bind(_addresses[i], Port);
            }
        }

        foreach (var relay in _relays.Keys)
        {
            relay.Abort();
        }
    }

    public void SetUp()
    {
        lock (_gate)
        {
            if (!_down || _stopped)
            {
                return;
            }

            _down = false;
            foreach (var socket in _sockets)
            {
                socket.Listen(Backlog);
            }

            StartAcceptLoops();
        }
    }

    /// <summary>Stops listening and drops every connection without waiting for the relays to finish.</summary>
    public void Stop()
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            _stopping.Cancel();
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }
        }

        foreach (var relay in _relays.Keys)
        {
            relay.Abort();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Stop();
        Task[] acceptLoops;
        lock (_gate)
        {
            acceptLoops = [.. _acceptLoops];
        }

        await Task.WhenAll(acceptLoops);
        await Task.WhenAll(_relays.Keys.Select(r => r.Completion));
        _stopping.Dispose();
    }

    private static Socket Bind(IPAddress address, int port)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (address.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false;
            }

            if (!OperatingSystem.IsWindows())
            {
                // Rebinding after SetDown must not wait for the dropped connections' TIME_WAIT.
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            }

            socket.Bind(new IPEndPoint(address, port));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    // Caller holds _gate.
    private void StartAcceptLoops()
    {
        _acceptLoops.RemoveAll(t => t.IsCompleted);
        foreach (var socket in _sockets)
        {
            _acceptLoops.Add(Task.Run(() => AcceptLoopAsync(socket)));
        }
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        var token = _stopping.Token;
        while (true)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException
                || (ex is SocketException se && se.SocketErrorCode is SocketError.OperationAborted or SocketError.Interrupted or SocketError.InvalidArgument))
            {
                // The listener was closed: the forwarder stopped or the broker went down.
                return;
            }
            catch (SocketException)
            {
                // A connection that died before accept completed; keep listening.
                continue;
            }

            _ = RelayAsync(client, token);
        }
    }

    private async Task RelayAsync(Socket client, CancellationToken token)
    {
        client.NoDelay = true;
        var upstream = new Socket(_upstream.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await upstream.ConnectAsync(_upstream, token);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            upstream.Dispose();
            Reset(client);
            return;
        }

        var relay = new Relay(client, upstream);
        _relays.TryAdd(relay, 0);
        bool down;
        lock (_gate)
        {
            down = _down || _stopped;
        }

        if (down)
        {
            // Accepted just before the broker went down.
            relay.Abort();
        }

        try
        {
            var requests = RelayRequestsAsync(client, upstream, token);
            var responses = RelayResponsesAsync(upstream, client, token);
            await Task.WhenAny(requests, responses);
            relay.Close();
            await Task.WhenAll(requests, responses);
        }
        finally
        {
            _relays.TryRemove(relay, out _);
            relay.Complete();
        }
    }

    private async Task RelayRequestsAsync(Socket client, Socket upstream, CancellationToken token)
    {
        var sizePrefix = new byte[4];
        try
        {
            using var fromClient = new NetworkStream(client, ownsSocket: false);
            while (true)
            {
                if (await fromClient.ReadAtLeastAsync(sizePrefix, 4, throwOnEndOfStream: false, token) < 4)
                {
                    return;
                }

                var size = BinaryPrimitives.ReadInt32BigEndian(sizePrefix);
                if (size is < 0 or > MaxFrameSize)
                {
                    return;
                }

                var frame = ArrayPool<byte>.Shared.Rent(size + 4);
                try
                {
                    sizePrefix.CopyTo(frame, 0);
                    await fromClient.ReadExactlyAsync(frame.AsMemory(4, size), token);
                    _inspectRequest(frame.AsMemory(4, size));
                    await SendAllAsync(upstream, frame.AsMemory(0, size + 4), token);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(frame);
                }
            }
        }
        catch (Exception ex) when (IsConnectionEnd(ex))
        {
        }
    }

    private static async Task RelayResponsesAsync(Socket upstream, Socket client, CancellationToken token)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (true)
            {
                var read = await upstream.ReceiveAsync(buffer, SocketFlags.None, token);
                if (read == 0)
                {
                    return;
                }

                await SendAllAsync(client, buffer.AsMemory(0, read), token);
            }
        }
        catch (Exception ex) when (IsConnectionEnd(ex))
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task SendAllAsync(Socket socket, ReadOnlyMemory<byte> data, CancellationToken token)
    {
        while (!data.IsEmpty)
        {
            var sent = await socket.SendAsync(data, SocketFlags.None, token);
            data = data[sent..];
        }
    }

    private static bool IsConnectionEnd(Exception ex) =>
        ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException;

    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }

        socket.Dispose();
    }

    private sealed class Relay(Socket client, Socket upstream)
    {
        private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _closed;

        public Task Completion => _completion.Task;

        /// <summary>Closes both sides with a reset, as a crashed broker would.</summary>
        public void Abort()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                Reset(client);
                Reset(upstream);
            }
        }

        /// <summary>Closes both sides normally once either side has hung up.</summary>
        public void Close()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                client.Dispose();
                upstream.Dispose();
            }
        }

        public void Complete() => _completion.TrySetResult();
    }
}
