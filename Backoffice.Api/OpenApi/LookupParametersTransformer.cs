using System.Globalization;
using System.Text.Json.Nodes;
using Backoffice.Api.Lookups;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Backoffice.Api.OpenApi;

/// <summary>
/// The handlers take their parameters as raw strings (so every bad value becomes our own 400), which
/// would document them as bare strings; this states their real contract from the constants the
/// validation uses.
/// </summary>
internal sealed class LookupParametersTransformer : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            switch (parameter.Name)
            {
                case TransactionEndpoints.TxIdParameter:
                case PaymentOrderEndpoints.OrderIdParameter:
                case WalletEndpoints.WalletIdParameter:
                    parameter.Description = "1-128 characters from A-Z a-z 0-9 . _ : @ -; anything else is 400 INVALID_ID.";
                    parameter.Schema = new OpenApiSchema
                    {
                        Type = JsonSchemaType.String,
                        MinLength = 1,
                        MaxLength = LookupId.MaxLength,
                        Pattern = LookupId.Pattern,
                    };
                    break;
                case WalletListParameters.Limit:
                    parameter.Description = $"Page size, {WalletListParameters.MinLimit}-{WalletListParameters.MaxLimit}.";
                    parameter.Schema = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Integer,
                        Format = "int32",
                        Minimum = WalletListParameters.MinLimit.ToString(CultureInfo.InvariantCulture),
                        Maximum = WalletListParameters.MaxLimit.ToString(CultureInfo.InvariantCulture),
                        Default = JsonValue.Create(WalletListParameters.DefaultLimit),
                    };
                    break;
                case WalletListParameters.Cursor:
                    parameter.Description = "The next_cursor of the previous page, with the same wallet and filters; opaque.";
                    parameter.Schema = new OpenApiSchema
                    {
                        Type = JsonSchemaType.String,
                        MaxLength = WalletCursorCodec.MaxEncodedLength,
                        Pattern = "^[A-Za-z0-9_-]+$",
                    };
                    break;
                case WalletListParameters.From:
                    parameter.Description = "Only entries with occurred_at at or after this RFC 3339 date-time (with offset); must not be after to.";
                    parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" };
                    break;
                case WalletListParameters.To:
                    parameter.Description = "Only entries with occurred_at at or before this RFC 3339 date-time (with offset).";
                    parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" };
                    break;
                case WalletListParameters.EntryType:
                    parameter.Description = "Only PAYMENT (debit) or only RECEIVE (credit) entries.";
                    parameter.Schema = new OpenApiSchema
                    {
                        Type = JsonSchemaType.String,
                        Enum = [.. WalletListParameters.EntryTypeValues.Select(value => (JsonNode)JsonValue.Create(value))],
                    };
                    break;
            }
        }

        return Task.CompletedTask;
    }
}
