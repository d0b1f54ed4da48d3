using System.Text.Json.Nodes;

namespace KvCertPending.LocalVault.Model;

/// <summary>
/// The vault's soft delete, as Key Vault shows it in every certificate's and secret's attributes: recoveryLevel
/// Purgeable without it (a delete is final), Recoverable+Purgeable with the standard 90 days,
/// CustomizedRecoverable+Purgeable with a retention of 7-89 days.
/// </summary>
internal sealed class SoftDelete
{
    public const int StandardDays = 90;
    public const int MinimumDays = 7;

    /// <param name="retentionDays">7-90 days; null or 0: no soft delete.</param>
    public SoftDelete(int? retentionDays)
    {
        if (!IsValidRetention(retentionDays))
        {
            throw new ArgumentOutOfRangeException(nameof(retentionDays), retentionDays,
                $"The soft-delete retention is {MinimumDays}-{StandardDays} days, or 0 (or null) for no soft delete.");
        }

        RetentionDays = retentionDays is 0 ? null : retentionDays;
    }

    /// <summary>7-90 days, or null or 0 (no soft delete).</summary>
    public static bool IsValidRetention(int? days) => days is null or 0 or (>= MinimumDays and <= StandardDays);

    /// <summary>How long a deleted certificate stays recoverable; null when the vault has no soft delete.</summary>
    public int? RetentionDays { get; }

    public string RecoveryLevel => RetentionDays switch
    {
        null => "Purgeable",
        StandardDays => "Recoverable+Purgeable",
        _ => "CustomizedRecoverable+Purgeable",
    };

    /// <summary>Adds recoveryLevel, and recoverableDays when there is soft delete, to an object's attributes.</summary>
    public void AddTo(JsonObject attributes)
    {
        attributes["recoveryLevel"] = RecoveryLevel;
        if (RetentionDays is { } days)
        {
            attributes["recoverableDays"] = days;
        }
    }
}
