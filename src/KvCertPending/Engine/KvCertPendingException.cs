using System;
using System.Management.Automation;

namespace KvCertPending.Engine
{
    /// <summary>
    /// One failure of one item, with everything an ErrorRecord needs: a stable id, the category, what the service said
    /// and what the user can do. The original exception (the SDK's RequestFailedException, an I/O error, ...) is kept as
    /// the inner exception.
    /// </summary>
    public sealed class KvCertPendingException : Exception
    {
        internal KvCertPendingException(
            string errorId,
            ErrorCategory category,
            string message,
            object? target,
            Exception? innerException = null,
            string? recommendedAction = null,
            int? status = null,
            string? serviceCode = null,
            string? serviceMessage = null)
            : base(message, innerException)
        {
            ErrorId = errorId;
            Category = category;
            Target = target;
            RecommendedAction = recommendedAction;
            Status = status;
            ServiceCode = serviceCode;
            ServiceMessage = serviceMessage;
        }

        /// <summary>The stable error id (the first part of FullyQualifiedErrorId).</summary>
        public string ErrorId { get; }

        /// <summary>The PowerShell error category.</summary>
        public ErrorCategory Category { get; }

        /// <summary>The item the error is about: usually the certificate name.</summary>
        public object? Target { get; }

        /// <summary>What the user can do next, when there is something to say.</summary>
        public string? RecommendedAction { get; }

        /// <summary>The HTTP status the vault answered with, when the vault answered.</summary>
        public int? Status { get; }

        /// <summary>The vault's error code (error.code), when the vault answered.</summary>
        public string? ServiceCode { get; }

        /// <summary>The vault's error message (error.message), when the vault answered.</summary>
        public string? ServiceMessage { get; }

        /// <summary>The same error with another recommended action (e.g. when the outcome of a lost answer is unknown).</summary>
        internal KvCertPendingException WithRecommendedAction(string action) =>
            new(ErrorId, Category, Message, Target, InnerException, action, Status, ServiceCode, ServiceMessage);

        internal ErrorRecord ToErrorRecord()
        {
            var record = new ErrorRecord(this, ErrorId, Category, Target);
            if (RecommendedAction is not null)
            {
                record.ErrorDetails = new ErrorDetails(Message) { RecommendedAction = RecommendedAction };
            }

            return record;
        }
    }
}
