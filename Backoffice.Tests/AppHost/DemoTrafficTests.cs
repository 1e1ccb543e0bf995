using System.Net;
using System.Text.Json;
using Aspire.Hosting.Testing;
using Backoffice.Simulator.Traffic;
using Backoffice.Tests.Infrastructure;
using Npgsql;

namespace Backoffice.Tests.AppHost;

/// <summary>
/// What a developer sees after F5: the simulator's payments flow through Kafka and the consumer into the
/// database, and the Admin API finds them — completed payments paired, withheld legs waiting, bad messages
/// dead-lettered.
/// </summary>
[Collection(AppHostTestGroup.Name)]
public sealed class DemoTrafficTests(LocalModeAppHostFixture appHost)
{
    private static readonly TimeSpan TrafficTimeout = TimeSpan.FromMinutes(2);

    // The simulator resource runs with its defaults (seed 42) apart from the fixture's count and rate; which
    // payments exist and how they end depend only on the seed and the shares.
    private static readonly TrafficOptions Demo = new()
    {
        Payments = LocalModeAppHostFixture.DemoPayments,
        EventsPerSecond = LocalModeAppHostFixture.DemoEventsPerSecond,
    };

    [Fact]
    public async Task A_settled_payment_is_found_through_the_api_with_both_legs_paired()
    {
        var settled = new TrafficGenerator(Demo).Plans(LocalModeAppHostFixture.DemoPayments)
            .First(plan => plan.Scenario == PaymentScenario.Settled);

        // The order's SETTLED version may land after both legs: the whole expected answer is awaited.
        await LookUpUntilAsync(settled.PaymentTxId, body =>
        {
            var pairing = body.GetProperty("pairing");
            Assert.Equal("COMPLETE", pairing.GetProperty("status").GetString());
            Assert.Equal(settled.PaymentTxId, pairing.GetProperty("payment_tx_id").GetString());
            Assert.Equal(settled.ReceiveTxId, pairing.GetProperty("receive_tx_id").GetString());
            Assert.Equal(settled.ReceiveTxId, pairing.GetProperty("counterpart").GetProperty("tx_id").GetString());
            Assert.Equal(settled.OrderId, body.GetProperty("related_id").GetString());
            Assert.Equal("SETTLED", body.GetProperty("payment_order").GetProperty("status").GetString());
        });
    }

    [Fact]
    public async Task A_payment_whose_second_leg_was_withheld_is_incomplete_and_says_which_leg_it_waits_for()
    {
        var withheld = new TrafficGenerator(Demo).Plans(LocalModeAppHostFixture.DemoPayments)
            .First(plan => plan.Scenario == PaymentScenario.LegWithheld);
        var sentTxId = Assert.Single(withheld.SentTxIds);

        var expectedReason = withheld.WithheldTxId == withheld.PaymentTxId ? "WAITING_FOR_PAYMENT" : "WAITING_FOR_RECEIVE";
        await LookUpUntilAsync(sentTxId, body =>
        {
            Assert.Equal("INCOMPLETE", body.GetProperty("pairing").GetProperty("status").GetString());
            Assert.Equal(expectedReason, body.GetProperty("pairing").GetProperty("reason").GetString());
        });
        using var http = appHost.App.CreateHttpClient("admin-api");
        using var missing = await http.GetAsync($"/admin/tx/{withheld.WithheldTxId}", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Every_malformed_demo_message_is_in_the_dead_letter_table_with_its_error_code()
    {
        var expected = new TrafficGenerator(Demo).Generate()
            .Where(message => message.Kind == MessageKind.Malformed)
            .Select(message => $"{message.Key}|{message.ExpectedErrorCode}")
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.NotEmpty(expected);
        var connectionString = await appHost.App.GetConnectionStringAsync("backoffice", TestContext.Current.CancellationToken);

        await Eventually.Holds(async () =>
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var command = new NpgsqlCommand(
                "SELECT convert_from(message_key, 'UTF8') || '|' || error_code FROM bo.consumer_dlq_events", connection);
            var actual = new List<string>();
            await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
            while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            {
                actual.Add(reader.GetString(0));
            }

            Assert.Equal(expected, actual.Order(StringComparer.Ordinal).ToList());
        }, TrafficTimeout);
    }

    /// <summary>Looks <paramref name="txId"/> up until the answer is 200 and passes <paramref name="expectations"/>.</summary>
    private async Task LookUpUntilAsync(string txId, Action<JsonElement> expectations)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await appHost.WaitForHealthyAsync("admin-api", cancellationToken);
        using var http = appHost.App.CreateHttpClient("admin-api");
        await Eventually.Holds(async () =>
        {
            using var response = await http.GetAsync($"/admin/tx/{txId}", cancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            expectations(document.RootElement);
        }, TrafficTimeout);
    }
}
