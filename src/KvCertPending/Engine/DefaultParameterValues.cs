using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;

namespace KvCertPending.Engine
{
    /// <summary>
    /// Reads $PSDefaultParameterValues as PowerShell applies it: "CommandPattern:ParameterName" keys (wildcards in the
    /// command part), the 'Disabled' switch honoured. PowerShell binds such defaults exactly as if they were typed, so
    /// this is how a cmdlet (or a completer) tells a default from a value the user gave.
    /// </summary>
    internal static class DefaultParameterValues
    {
        /// <summary>The values that $PSDefaultParameterValues gives to any of <paramref name="parameterNames"/> of <paramref name="commandName"/>.</summary>
        public static IEnumerable<object?> For(object? defaults, string commandName, params string[] parameterNames)
        {
            if (Unwrap(defaults) is not IDictionary table || IsDisabled(table))
            {
                yield break;
            }

            foreach (DictionaryEntry entry in table)
            {
                var key = entry.Key?.ToString() ?? string.Empty;
                var colon = key.LastIndexOf(':');
                if (colon <= 0)
                {
                    continue;
                }

                var parameter = key.Substring(colon + 1).Trim();
                if (Array.Exists(parameterNames, name => string.Equals(name, parameter, StringComparison.OrdinalIgnoreCase))
                    && new WildcardPattern(key.Substring(0, colon).Trim(), WildcardOptions.IgnoreCase).IsMatch(commandName))
                {
                    yield return Unwrap(entry.Value);
                }
            }
        }

        public static object? Unwrap(object? value) => value is PSObject ps ? ps.BaseObject : value;

        private static bool IsDisabled(IDictionary table) =>
            table.Contains("Disabled") && LanguagePrimitives.IsTrue(table["Disabled"]);
    }
}
