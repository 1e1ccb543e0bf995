using System.Reflection;
using System.Runtime.InteropServices;

namespace Backoffice.LocalInfra.Kafka;

/// <summary>
/// P/Invoke surface of librdkafka (and its mock cluster, <c>rdkafka_mock.h</c>) as shipped by
/// <c>librdkafka.redist</c>. Signatures follow the 2.16.0 headers.
/// </summary>
internal static partial class LibRdKafka
{
    private const string Library = "librdkafka";

    public const int ConfOk = 0;
    public const int TypeProducer = 0;
    public const int ErrNoError = 0;
    public const int ErrTopicAlreadyExists = 36;

    static LibRdKafka() => NativeLibrary.SetDllImportResolver(typeof(LibRdKafka).Assembly, Resolve);

    /// <summary>
    /// Runs the static constructor, so the resolver is registered before the first native call.
    /// </summary>
    public static void EnsureLoaded() => _ = VersionString();

    public static string VersionString() => Marshal.PtrToStringUTF8(rd_kafka_version_str()) ?? "unknown";

    public static string ErrorString(int err) => Marshal.PtrToStringUTF8(rd_kafka_err2str(err)) ?? $"error {err}";

    // The default probing finds the deps.json native asset (runtimes/<rid>/native/librdkafka.so)
    // or the flat file of a RID-specific publish. On Linux that build links libsasl2.so.3, which
    // Debian does not ship, so - like Confluent.Kafka's own loader - fall back to the variants
    // without it (centos8-: glibc, alpine-: musl). Loading the same file Confluent.Kafka picks
    // keeps one librdkafka in the process.
    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != Library)
        {
            return IntPtr.Zero;
        }

        if (NativeLibrary.TryLoad(libraryName, assembly, searchPath, out var handle))
        {
            return handle;
        }

        foreach (var candidate in CandidatePaths(assembly))
        {
            if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out handle))
            {
                return handle;
            }
        }

        return IntPtr.Zero;
    }

    private static IEnumerable<string> CandidatePaths(Assembly assembly)
    {
        string[] fileNames = OperatingSystem.IsWindows() ? ["librdkafka.dll"]
            : OperatingSystem.IsMacOS() ? ["librdkafka.dylib"]
            : ["librdkafka.so", "centos8-librdkafka.so", "alpine-librdkafka.so"];
        var os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        var arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        var directories = new[] { Path.GetDirectoryName(assembly.Location) ?? "", AppContext.BaseDirectory }
            .Where(d => d.Length > 0)
            .Distinct(StringComparer.Ordinal);

        foreach (var directory in directories)
        {
            foreach (var fileName in fileNames)
            {
                yield return Path.Combine(directory, "runtimes", $"{os}-{arch}", "native", fileName);
                yield return Path.Combine(directory, fileName);
            }

            if (OperatingSystem.IsWindows())
            {
                yield return Path.Combine(directory, "librdkafka", arch, "librdkafka.dll");
            }
        }
    }

    [LibraryImport(Library)]
    private static partial IntPtr rd_kafka_version_str();

    [LibraryImport(Library)]
    private static partial IntPtr rd_kafka_err2str(int err);

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_conf_new();

    [LibraryImport(Library)]
    public static partial void rd_kafka_conf_destroy(IntPtr conf);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rd_kafka_conf_set(IntPtr conf, string name, string value, byte[] errstr, nuint errstrSize);

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_new(int type, IntPtr conf, byte[] errstr, nuint errstrSize);

    [LibraryImport(Library)]
    public static partial void rd_kafka_destroy(IntPtr rk);

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_mock_cluster_new(IntPtr rk, int brokerCount);

    [LibraryImport(Library)]
    public static partial void rd_kafka_mock_cluster_destroy(IntPtr mcluster);

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr mcluster);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rd_kafka_mock_topic_create(IntPtr mcluster, string topic, int partitionCount, int replicationFactor);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void rd_kafka_mock_topic_set_error(IntPtr mcluster, string topic, int err);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rd_kafka_mock_partition_set_leader(IntPtr mcluster, string topic, int partition, int brokerId);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rd_kafka_mock_coordinator_set(IntPtr mcluster, string keyType, string key, int brokerId);

    [LibraryImport(Library)]
    public static partial int rd_kafka_mock_broker_set_down(IntPtr mcluster, int brokerId);

    [LibraryImport(Library)]
    public static partial int rd_kafka_mock_broker_set_up(IntPtr mcluster, int brokerId);

    [LibraryImport(Library)]
    public static partial int rd_kafka_mock_broker_set_rtt(IntPtr mcluster, int brokerId, int rttMs);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void rd_kafka_mock_broker_set_host_port(IntPtr mcluster, int brokerId, string host, int port);

    [LibraryImport(Library)]
    public static partial void rd_kafka_mock_push_request_errors_array(IntPtr mcluster, short apiKey, nuint count, int[] errors);

    [LibraryImport(Library)]
    public static partial void rd_kafka_mock_clear_request_errors(IntPtr mcluster, short apiKey);

    /// <summary>
    /// The native function is variadic (<c>cnt</c> pairs of error code and RTT). Declared here for
    /// exactly one pair: on the System V x64 and Linux/Windows arm64 ABIs variadic integer arguments
    /// travel like fixed ones, so the call is sound there; Apple arm64 passes them on the stack, so
    /// callers must not use it on macOS.
    /// </summary>
    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_broker_push_request_error_rtts")]
    public static partial int rd_kafka_mock_broker_push_request_error_rtt(IntPtr mcluster, int brokerId, short apiKey, nuint count, int err, int rttMs);

    [LibraryImport(Library)]
    public static partial int rd_kafka_mock_broker_error_stack_cnt(IntPtr mcluster, int brokerId, short apiKey, out nuint count);

    [LibraryImport(Library)]
    public static partial void rd_kafka_mock_group_initial_rebalance_delay_ms(IntPtr mcluster, int delayMs);
}
