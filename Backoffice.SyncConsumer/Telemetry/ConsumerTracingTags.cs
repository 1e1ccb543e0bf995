using System.Diagnostics;
using Backoffice.SyncConsumer.Normalisation;

namespace Backoffice.SyncConsumer.Telemetry;

public static class ConsumerTracingTags
{
    /// <summary>Tags a message span with the identifiers an operator searches by.</summary>
    public static void TagIdentifiers(this Activity? span, NormalisationResult normalised)
    {
        if (span is not { IsAllDataRequested: true })
        {
            return;
        }

        switch (normalised)
        {
            case NormalisationResult.Ledger { Event: var e }:
                span.SetTag("bo.tx_id", e.TxId);
                if (e.RelatedId is not null)
                {
                    span.SetTag("bo.related_id", e.RelatedId);
                }

                break;
            case NormalisationResult.PaymentOrder { Event: var e }:
                span.SetTag("bo.order_id", e.OrderId);
                break;
        }
    }
}
