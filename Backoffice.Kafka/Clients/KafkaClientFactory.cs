using Azure.Core;
using Azure.Identity;
using Backoffice.Kafka.Profiles;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Backoffice.Kafka.Clients;

/// <summary>
/// Builds Confluent.Kafka clients for the configured profile: bootstrap servers, security, the
/// OAUTHBEARER token refresh of <c>cloud-secure</c>, and librdkafka logs routed to <see cref="ILogger"/>.
/// Callers add their own handlers (e.g. rebalance callbacks) to the returned builder.
/// </summary>
public sealed partial class KafkaClientFactory
{
    /// <summary>Principal name reported with the token; Event Hubs authorises by the token's identity, not this name.</summary>
    private const string OAuthPrincipal = "backoffice";

    private readonly ILogger _logger;
    private readonly Lazy<TokenCredential> _credential;

    public KafkaClientFactory(KafkaProfile profile, ILoggerFactory loggerFactory, Func<TokenCredential>? credentialFactory = null)
    {
        Profile = profile;
        _logger = loggerFactory.CreateLogger("Backoffice.Kafka");
        // DefaultAzureCredential picks the managed identity in Azure (AZURE_CLIENT_ID selects a user-assigned one).
        _credential = new Lazy<TokenCredential>(credentialFactory ?? (() => new DefaultAzureCredential()));
    }

    public KafkaProfile Profile { get; }

    public ConsumerBuilder<TKey, TValue> CreateConsumerBuilder<TKey, TValue>(ConsumerConfig config)
    {
        Profile.ApplyTo(config);
        var builder = new ConsumerBuilder<TKey, TValue>(config)
            .SetLogHandler((_, message) => OnLog(message))
            .SetErrorHandler((_, error) => OnError(error));
        if (Profile.UsesOAuthBearer)
        {
            builder.SetOAuthBearerTokenRefreshHandler(RefreshToken);
        }

        return builder;
    }

    public ProducerBuilder<TKey, TValue> CreateProducerBuilder<TKey, TValue>(ProducerConfig config)
    {
        Profile.ApplyTo(config);
        var builder = new ProducerBuilder<TKey, TValue>(config)
            .SetLogHandler((_, message) => OnLog(message))
            .SetErrorHandler((_, error) => OnError(error));
        if (Profile.UsesOAuthBearer)
        {
            builder.SetOAuthBearerTokenRefreshHandler(RefreshToken);
        }

        return builder;
    }

    public AdminClientBuilder CreateAdminClientBuilder(AdminClientConfig config)
    {
        Profile.ApplyTo(config);
        var builder = new AdminClientBuilder(config)
            .SetLogHandler((_, message) => OnLog(message))
            .SetErrorHandler((_, error) => OnError(error));
        if (Profile.UsesOAuthBearer)
        {
            builder.SetOAuthBearerTokenRefreshHandler(RefreshToken);
        }

        return builder;
    }

    private void RefreshToken(IClient client, string oauthBearerConfig)
    {
        try
        {
            var token = _credential.Value.GetToken(new TokenRequestContext([Profile.TokenScope]), CancellationToken.None);
            client.OAuthBearerSetToken(token.Token, token.ExpiresOn.ToUnixTimeMilliseconds(), OAuthPrincipal);
        }
        catch (AuthenticationFailedException ex)
        {
            // librdkafka retries the refresh; the failure reason shows up in its logs and in the health check.
            LogTokenFailure(ex, Profile.TokenScope);
            client.OAuthBearerSetTokenFailure(ex.Message);
        }
    }

    private void OnLog(LogMessage message)
    {
        var level = message.Level switch
        {
            SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical => LogLevel.Critical,
            SyslogLevel.Error => LogLevel.Error,
            SyslogLevel.Warning => LogLevel.Warning,
            SyslogLevel.Notice or SyslogLevel.Info => LogLevel.Information,
            _ => LogLevel.Debug,
        };
        LogClientMessage(level, message.Name, message.Facility, message.Message);
    }

    private void OnError(Error error)
    {
        // Most librdkafka errors are transient (the client reconnects by itself); only fatal ones end the client.
        if (error.IsFatal)
        {
            LogFatalError(error.Code, error.Reason);
        }
        else
        {
            LogTransientError(error.Code, error.Reason);
        }
    }

    [LoggerMessage(Message = "librdkafka {ClientName} [{Facility}] {Text}")]
    private partial void LogClientMessage(LogLevel level, string clientName, string facility, string text);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Fatal Kafka client error {Code}: {Reason}")]
    private partial void LogFatalError(ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka client error {Code}: {Reason}")]
    private partial void LogTransientError(ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not get an Entra ID token for {Scope}")]
    private partial void LogTokenFailure(Exception exception, string scope);
}
