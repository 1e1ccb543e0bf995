namespace Backoffice.Tests.Infrastructure;

/// <summary>Polls an assertion until it holds (or the time is up), instead of sleeping a fixed time.</summary>
internal static class Eventually
{
    public static async Task Holds(Func<Task> assertion, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            try
            {
                await assertion();
                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, TestContext.Current.CancellationToken);
            }
        }
    }

    public static Task Holds(Action assertion, TimeSpan? timeout = null) => Holds(() =>
    {
        assertion();
        return Task.CompletedTask;
    }, timeout);
}
