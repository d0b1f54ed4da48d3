<#
.SYNOPSIS
    Brings en-US/<Cmdlet>.md in line with the built module's cmdlet metadata, as platyPS's Update-MarkdownHelp does.

.DESCRIPTION
    For every cmdlet the module exports, rewrites the '## SYNTAX' section and each parameter's ```yaml block(s) from
    Get-Command: parameter sets (the default one marked), types, mandatory flag and position per set, pipeline input,
    aliases, accepted values (ValidateSet or enum) and wildcard support. Everything written by hand is kept: the
    synopsis, description, examples, inputs, outputs, notes, links, each parameter's description and its 'Default
    value'. A parameter the cmdlet gained gets a '{{ Fill ... }}' description, which the help build refuses until it is
    written; a parameter the cmdlet lost is dropped.

    Needs only Microsoft.PowerShell.Core and .NET, so it runs in pwsh, in Windows PowerShell and in the hosted engine of
    the tests (tests/KvCertPending.Tests/HelpUpdateTests.cs runs it to prove the committed help is in sync).

.PARAMETER ModulePath
    The built module's manifest. Default: out/KvCertPending/KvCertPending.psd1 (run 'dotnet build' first).

.PARAMETER HelpPath
    The folder with the markdown. Default: en-US at the repository root.

.EXAMPLE
    dotnet build KvCertPending.sln; pwsh ./tools/KvCertPending.HelpBuilder/Update-HelpMarkdown.ps1
    Updates en-US after a cmdlet's parameters changed; then write the descriptions of new parameters.
#>
[CmdletBinding()]
param(
    [string] $ModulePath = "$PSScriptRoot/../../out/KvCertPending/KvCertPending.psd1",
    [string] $HelpPath = "$PSScriptRoot/../../en-US"
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$common = [System.Management.Automation.Cmdlet]::CommonParameters
$module = Import-Module -Name $ModulePath -PassThru -Force

function Get-Section([string] $Text, [string] $Heading, [string] $Next) {
    # The text from '## Heading' up to (not including) '## Next'.
    $start = $Text.IndexOf("## $Heading`n", [StringComparison]::Ordinal)
    $end = $Text.IndexOf("## $Next`n", [StringComparison]::Ordinal)
    if ($start -lt 0 -or $end -lt $start) { throw "'## $Heading' or '## $Next' is missing." }
    $Text.Substring($start, $end - $start)
}

function Get-PipelineText($Parameter) {
    if ($Parameter.ValueFromPipeline -and $Parameter.ValueFromPipelineByPropertyName) { return 'True (ByPropertyName, ByValue)' }
    if ($Parameter.ValueFromPipeline) { return 'True (ByValue)' }
    if ($Parameter.ValueFromPipelineByPropertyName) { return 'True (ByPropertyName)' }
    'False'
}

foreach ($name in $module.ExportedCmdlets.Keys) {
    $path = [System.IO.Path]::Combine($HelpPath, "$name.md")
    $text = [System.IO.File]::ReadAllText($path).Replace("`r`n", "`n")
    $command = Get-Command -Name $name
    $sets = @($command.ParameterSets)

    # What was written by hand for each parameter: its description and its default value.
    $written = @{}
    $parametersSection = Get-Section $text 'PARAMETERS' 'INPUTS'
    $commonBlock = $null
    foreach ($block in ($parametersSection -split "(?m)^(?=### )")) {
        if ($block -match '^### -(?<name>\w+)\n(?<body>[\s\S]*)$') {
            $parameterName = $Matches.name
            $body = $Matches.body
            $yamlAt = $body.IndexOf('```yaml', [StringComparison]::Ordinal)
            $description = if ($yamlAt -ge 0) { $body.Substring(0, $yamlAt).Trim() } else { $body.Trim() }
            $default = if ($body -match '(?m)^Default value: (?<v>.*)$') { $Matches.v.Trim() } else { $null }
            $written[$parameterName] = @{ Description = $description; Default = $default }
        }
        elseif ($block.StartsWith('### CommonParameters', [StringComparison]::Ordinal)) {
            $commonBlock = $block.TrimEnd() + "`n"
        }
    }
    if (-not $commonBlock) {
        $commonBlock = "### CommonParameters`nThis cmdlet supports the common parameters: -Debug, -ErrorAction, -ErrorVariable, -InformationAction, -InformationVariable, -OutVariable, -OutBuffer, -PipelineVariable, -ProgressAction, -Verbose, -WarningAction, and -WarningVariable. For more information, see [about_CommonParameters](http://go.microsoft.com/fwlink/?LinkID=113216).`n"
    }

    # SYNTAX: one code block per parameter set, as PowerShell itself writes the set.
    $chunks = [System.Collections.Generic.List[string]]::new()
    $chunks.Add("## SYNTAX`n")
    foreach ($set in $sets) {
        $marker = if ($set.IsDefault -and $sets.Count -gt 1) { ' (Default)' } else { '' }
        $chunks.Add("### $($set.Name)$marker`n```````n$name $set`n```````n")
    }
    $syntax = ($chunks -join "`n") + "`n"

    # PARAMETERS: positional first, then by name (ordinal), WhatIf and Confirm last.
    $byName = [ordered]@{}
    foreach ($set in $sets) {
        foreach ($parameter in $set.Parameters) {
            if ($common -contains $parameter.Name) { continue }
            if (-not $byName.Contains($parameter.Name)) { $byName[$parameter.Name] = [System.Collections.Generic.List[object]]::new() }
            $byName[$parameter.Name].Add([pscustomobject]@{ Set = $set.Name; Parameter = $parameter })
        }
    }
    $keys = [string[]]@(foreach ($parameterName in $byName.Keys) {
        $positions = @($byName[$parameterName] | Where-Object { $_.Parameter.Position -ge 0 } | ForEach-Object { $_.Parameter.Position })
        $first = if ($positions.Count -gt 0) { [System.Linq.Enumerable]::Min([int[]]$positions) } else { 999 }
        '{0}{1:D4}{2}' -f [int]($parameterName -in 'WhatIf', 'Confirm'), $first, $parameterName
    })
    $names = [string[]]@($byName.Keys)
    [Array]::Sort($keys, $names, [StringComparer]::Ordinal)

    $chunks = [System.Collections.Generic.List[string]]::new()
    $chunks.Add("## PARAMETERS`n")
    foreach ($parameterName in $names) {
        $usages = $byName[$parameterName]
        $metadata = $command.Parameters[$parameterName]
        $type = $metadata.ParameterType
        $element = if ($type.IsArray) { $type.GetElementType() } else { $type }
        $values = @($metadata.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] } | ForEach-Object { $_.ValidValues })
        if ($values.Count -eq 0 -and $element.IsEnum) { $values = [Enum]::GetNames($element) }
        $wildcards = @($metadata.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] }).Count -gt 0
        $hand = $written[$parameterName]
        $description = if ($hand -and $hand.Description) { $hand.Description } else { "{{ Fill $parameterName Description }}" }
        $default = if ($hand -and $hand.Default) { $hand.Default } elseif ($type -eq [System.Management.Automation.SwitchParameter]) { 'False' } else { 'None' }
        $chunks.Add("### -$parameterName`n$description`n")

        # One yaml block per distinct (mandatory, position, pipeline) across the sets; '(All)' when one covers them all.
        $groups = [ordered]@{}
        foreach ($usage in $usages) {
            $position = if ($usage.Parameter.Position -ge 0) { $usage.Parameter.Position } else { 'Named' }
            $key = '{0}|{1}|{2}' -f $usage.Parameter.IsMandatory, $position, (Get-PipelineText $usage.Parameter)
            if (-not $groups.Contains($key)) { $groups[$key] = [System.Collections.Generic.List[string]]::new() }
            $groups[$key].Add($usage.Set)
        }
        foreach ($key in $groups.Keys) {
            $mandatory, $position, $pipeline = $key.Split('|')
            $setNames = if ($groups.Count -eq 1 -and $groups[$key].Count -eq $sets.Count) { '(All)' } else { $groups[$key] -join ', ' }
            $lines = [System.Collections.Generic.List[string]]::new()
            $lines.Add("Type: $($type.Name)")
            $lines.Add("Parameter Sets: $setNames")
            $lines.Add(("Aliases: " + ($metadata.Aliases -join ', ')).TrimEnd())
            if ($values.Count -gt 0) { $lines.Add("Accepted values: $($values -join ', ')") }
            $lines.Add('')
            $lines.Add("Required: $mandatory")
            $lines.Add("Position: $position")
            $lines.Add("Default value: $default")
            $lines.Add("Accept pipeline input: $pipeline")
            $lines.Add("Accept wildcard characters: $wildcards")
            $chunks.Add("``````yaml`n$($lines -join "`n")`n```````n")
        }
    }
    $chunks.Add($commonBlock)
    $parameters = $chunks -join "`n"

    $syntaxSection = Get-Section $text 'SYNTAX' 'DESCRIPTION'
    $updated = $text.Replace($syntaxSection, $syntax).Replace($parametersSection, $parameters + "`n")
    if ($updated -ne $text) {
        [System.IO.File]::WriteAllText($path, $updated, [System.Text.UTF8Encoding]::new($false))
        "Updated $path"
    }
}
