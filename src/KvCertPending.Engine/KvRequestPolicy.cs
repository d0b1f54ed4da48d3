using System;
using System.Collections.Generic;
using System.Globalization;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace KvCertPending.Engine
{
    /// <summary>
    /// Two things the SDK does not expose: the service's request_id filter on GET /pending, and the Retry-After header of
    /// the pending object. Both travel through message properties set by <see cref="RequestScope"/>.
    /// </summary>
    internal sealed class KvRequestPolicy : HttpPipelineSynchronousPolicy
    {
        internal const string RequestIdFilterProperty = "KvCertPending.RequestIdFilter";
        internal const string ObserverProperty = "KvCertPending.ResponseObserver";

        public override void OnSendingRequest(HttpMessage message)
        {
            if (message.TryGetProperty(RequestIdFilterProperty, out var value) && value is string requestId
                && message.Request.Method == RequestMethod.Get
                && message.Request.Uri.Path.TrimEnd('/').EndsWith("/pending", StringComparison.OrdinalIgnoreCase))
            {
                message.Request.Uri.AppendQuery("request_id", requestId);
            }
        }

        public override void OnReceivedResponse(HttpMessage message)
        {
            if (message.TryGetProperty(ObserverProperty, out var value) && value is ResponseObserver observer && message.HasResponse)
            {
                observer.RetryAfter = ParseRetryAfter(message.Response);
            }
        }

        internal static TimeSpan? ParseRetryAfter(Response response)
        {
            if (response.Headers.TryGetValue("retry-after-ms", out var milliseconds)
                && double.TryParse(milliseconds, NumberStyles.Float, CultureInfo.InvariantCulture, out var ms))
            {
                return TimeSpan.FromMilliseconds(ms);
            }

            if (!response.Headers.TryGetValue("Retry-After", out var retryAfter) || retryAfter is null)
            {
                return null;
            }

            if (double.TryParse(retryAfter, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
            {
                return TimeSpan.FromSeconds(Math.Max(0, seconds));
            }

            if (DateTimeOffset.TryParse(retryAfter, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when))
            {
                var delta = when - DateTimeOffset.UtcNow;
                return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
            }

            return null;
        }
    }

    /// <summary>Receives what <see cref="KvRequestPolicy"/> reads from a response.</summary>
    internal sealed class ResponseObserver
    {
        public TimeSpan? RetryAfter { get; set; }
    }

    /// <summary>Sets the message properties for the SDK calls made inside it (the SDK flows them with an AsyncLocal).</summary>
    internal static class RequestScope
    {
        public static IDisposable Begin(ResponseObserver? observer, string? requestIdFilter = null, RetryBudget? budget = null)
        {
            var properties = new Dictionary<string, object?>();
            if (budget is not null)
            {
                // One budget for every request of the operation (see KvRetryPolicy).
                properties[KvRetryPolicy.BudgetProperty] = budget;
            }

            if (observer is not null)
            {
                properties[KvRequestPolicy.ObserverProperty] = observer;
            }

            if (requestIdFilter is not null)
            {
                properties[KvRequestPolicy.RequestIdFilterProperty] = requestIdFilter;
            }

            return HttpPipeline.CreateHttpMessagePropertiesScope(properties);
        }
    }
}
