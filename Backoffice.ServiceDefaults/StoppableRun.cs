using Microsoft.AspNetCore.Builder;

namespace Microsoft.Extensions.Hosting;

public static class StoppableRun
{
    /// <summary>
    /// Runs the app until it is stopped. A stop requested while the hosted services are still
    /// starting (SIGTERM from an orchestrator scaling in, or a deployment replacing an instance
    /// that just started) makes the host's start throw <see cref="OperationCanceledException"/>;
    /// that is a clean stop (exit code 0), not a crash (exit code 134 and a stack trace).
    /// </summary>
    public static async Task RunUntilStoppedAsync(this WebApplication app)
    {
        // Taken before the run: RunAsync disposes the app's services on its way out.
        var stopping = app.Lifetime.ApplicationStopping;
        try
        {
            await app.RunAsync();
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopped during start-up: nothing was consumed or served, so there is nothing to finish.
        }
    }
}
