using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Backoffice.ServiceDefaults.Hosting;

/// <summary>
/// A service that refuses its settings (<c>AUTH_MODE=disabled</c> in Production, a missing connection
/// string, an out-of-range limit, an unknown Kafka profile) ends with one line on standard error
/// saying why and exit code 1, not with an unhandled exception (exit 134 and a stack trace that
/// buries the reason). Only when the service is the process's own program: a host that embeds it
/// (WebApplicationFactory in tests) gets the exception, as it would from any library.
/// </summary>
public static class StartupRefusal
{
    public const int ExitCode = 1;

    /// <summary>
    /// Runs the start-up validation of every options section now, before the host starts (which
    /// would validate them too, but log the failure with a stack trace first).
    /// </summary>
    public static WebApplication RefuseInvalidSettings(this WebApplication app)
    {
        try
        {
            app.Services.GetService<IStartupValidator>()?.Validate();
        }
        catch (InvalidOperationException exception)
        {
            // The validators only bind and check settings: this is the binder failing to convert
            // a value, and its message names the key.
            throw new InvalidSettingsException(exception.Message, exception);
        }

        return app;
    }

    /// <param name="exception">What ended start-up.</param>
    /// <param name="program">The service's own assembly (<c>typeof(Program).Assembly</c>).</param>
    public static bool Explains(Exception exception, Assembly program) =>
        Assembly.GetEntryAssembly() == program && IsRefusal(exception);

    /// <returns><see cref="ExitCode"/>.</returns>
    public static int Report(Exception exception)
    {
        Console.Error.WriteLine($"{Assembly.GetEntryAssembly()?.GetName().Name} refused to start: {Describe(exception)}");
        return ExitCode;
    }

    private static bool IsRefusal(Exception exception) => exception switch
    {
        InvalidSettingsException or OptionsValidationException => true,
        // Several options sections failing validation at once.
        AggregateException aggregate => aggregate.InnerExceptions.All(IsRefusal),
        _ => false,
    };

    private static string Describe(Exception exception) => exception switch
    {
        AggregateException aggregate => string.Join(" ", aggregate.InnerExceptions.Select(Describe)),
        OptionsValidationException validation => string.Join(" ", validation.Failures),
        _ => exception.Message,
    };
}
