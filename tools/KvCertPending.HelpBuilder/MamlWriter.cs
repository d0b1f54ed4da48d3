using System.Text;
using System.Xml;

namespace KvCertPending.HelpBuilder;

/// <summary>Writes cmdlet help as MAML, the XML that PowerShell's Get-Help reads for binary cmdlets.</summary>
internal static class MamlWriter
{
    private const string MshNs = "http://msh";
    private const string MamlNs = "http://schemas.microsoft.com/maml/2004/10";
    private const string CommandNs = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private const string DevNs = "http://schemas.microsoft.com/maml/dev/2004/10";
    private const string MsHelpNs = "http://msdn.microsoft.com/mshelp";

    public static void Write(Stream stream, IEnumerable<CommandHelp> commands)
    {
        var settings = new XmlWriterSettings { Indent = true, IndentChars = "  ", Encoding = new UTF8Encoding(false) };
        using var xml = XmlWriter.Create(stream, settings);
        xml.WriteStartDocument();
        xml.WriteStartElement("helpItems", MshNs);
        xml.WriteAttributeString("schema", "maml");
        foreach (CommandHelp command in commands)
        {
            WriteCommand(xml, command);
        }

        xml.WriteEndElement();
        xml.WriteEndDocument();
    }

    private static void WriteCommand(XmlWriter xml, CommandHelp command)
    {
        xml.WriteStartElement("command", "command", CommandNs);
        xml.WriteAttributeString("xmlns", "maml", null, MamlNs);
        xml.WriteAttributeString("xmlns", "command", null, CommandNs);
        xml.WriteAttributeString("xmlns", "dev", null, DevNs);
        xml.WriteAttributeString("xmlns", "MSHelp", null, MsHelpNs);

        xml.WriteStartElement("command", "details", CommandNs);
        xml.WriteElementString("command", "name", CommandNs, command.Name);
        xml.WriteElementString("command", "verb", CommandNs, command.Verb);
        xml.WriteElementString("command", "noun", CommandNs, command.Noun);
        WriteDescription(xml, [command.Synopsis]);
        xml.WriteEndElement();

        WriteDescription(xml, command.Description);

        xml.WriteStartElement("command", "syntax", CommandNs);
        foreach (SyntaxHelp syntax in command.Syntax.OrderByDescending(s => s.IsDefault))
        {
            xml.WriteStartElement("command", "syntaxItem", CommandNs);
            xml.WriteElementString("maml", "name", MamlNs, command.Name);
            foreach (string name in syntax.ParameterNames)
            {
                ParameterHelp parameter = command.Parameters.First(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
                ParameterSetUsage usage = parameter.For(syntax.SetName)!;
                WriteParameter(xml, parameter, usage.Required, usage.Position, usage.PipelineInput, inSyntax: true);
            }

            xml.WriteEndElement();
        }

        xml.WriteEndElement();

        xml.WriteStartElement("command", "parameters", CommandNs);
        foreach (ParameterHelp parameter in command.Parameters)
        {
            // One entry per parameter: mandatory only when it is mandatory in every set it belongs to;
            // the pipeline input is what any set accepts. The per-set truth is in the syntax items.
            bool required = parameter.Usages.All(u => u.Required);
            WriteParameter(xml, parameter, required, parameter.Usages[0].Position, PipelineUnion(parameter), inSyntax: false);
        }

        xml.WriteEndElement();

        WriteTypes(xml, "inputTypes", "inputType", command.Inputs);
        WriteTypes(xml, "returnValues", "returnValue", command.Outputs);

        xml.WriteStartElement("maml", "alertSet", MamlNs);
        xml.WriteStartElement("maml", "alert", MamlNs);
        WriteParas(xml, command.Notes);
        xml.WriteEndElement();
        xml.WriteEndElement();

        xml.WriteStartElement("command", "examples", CommandNs);
        foreach (ExampleHelp example in command.Examples)
        {
            xml.WriteStartElement("command", "example", CommandNs);
            xml.WriteElementString("maml", "title", MamlNs, $"-------------------------- {example.Title} --------------------------");
            xml.WriteElementString("dev", "code", DevNs, example.Code);
            xml.WriteStartElement("dev", "remarks", DevNs);
            WriteParas(xml, example.Remarks);
            xml.WriteEndElement();
            xml.WriteEndElement();
        }

        xml.WriteEndElement();

        xml.WriteStartElement("maml", "relatedLinks", MamlNs);
        if (command.OnlineVersion is not null)
        {
            WriteLink(xml, "Online Version:", command.OnlineVersion);
        }

        foreach (LinkHelp link in command.RelatedLinks)
        {
            WriteLink(xml, link.Text, link.Uri);
        }

        xml.WriteEndElement();

        xml.WriteEndElement();
    }

    private static void WriteParameter(XmlWriter xml, ParameterHelp parameter, bool required, string position, string pipelineInput, bool inSyntax)
    {
        bool isSwitch = parameter.TypeName is "SwitchParameter" or "System.Management.Automation.SwitchParameter";
        xml.WriteStartElement("command", "parameter", CommandNs);
        xml.WriteAttributeString("required", Bool(required));
        xml.WriteAttributeString("variableLength", "true");
        xml.WriteAttributeString("globbing", Bool(parameter.Globbing));
        xml.WriteAttributeString("pipelineInput", pipelineInput);
        xml.WriteAttributeString("position", position == "Named" ? "named" : position);
        xml.WriteAttributeString("aliases", parameter.Aliases.Count == 0 ? "none" : string.Join(", ", parameter.Aliases));
        xml.WriteElementString("maml", "name", MamlNs, parameter.Name);
        WriteDescription(xml, parameter.Description);
        if (parameter.AcceptedValues.Count > 0)
        {
            xml.WriteStartElement("command", "parameterValueGroup", CommandNs);
            foreach (string value in parameter.AcceptedValues)
            {
                xml.WriteStartElement("command", "parameterValue", CommandNs);
                xml.WriteAttributeString("required", "false");
                xml.WriteAttributeString("command", "variableLength", CommandNs, "false");
                xml.WriteString(value);
                xml.WriteEndElement();
            }

            xml.WriteEndElement();
        }

        // A switch takes no value: the syntax shows [-Force], not [-Force <SwitchParameter>].
        if (!(isSwitch && inSyntax))
        {
            xml.WriteStartElement("command", "parameterValue", CommandNs);
            xml.WriteAttributeString("required", Bool(!isSwitch));
            xml.WriteAttributeString("variableLength", "false");
            xml.WriteString(parameter.TypeName);
            xml.WriteEndElement();
        }

        xml.WriteStartElement("dev", "type", DevNs);
        xml.WriteElementString("maml", "name", MamlNs, parameter.TypeName);
        xml.WriteElementString("maml", "uri", MamlNs, string.Empty);
        xml.WriteEndElement();
        xml.WriteElementString("dev", "defaultValue", DevNs, parameter.DefaultValue);
        xml.WriteEndElement();
    }

    private static string PipelineUnion(ParameterHelp parameter)
    {
        bool byValue = parameter.Usages.Any(u => u.PipelineInput.Contains("ByValue", StringComparison.Ordinal));
        bool byName = parameter.Usages.Any(u => u.PipelineInput.Contains("ByPropertyName", StringComparison.Ordinal));
        return (byValue, byName) switch
        {
            (true, true) => "True (ByPropertyName, ByValue)",
            (true, false) => "True (ByValue)",
            (false, true) => "True (ByPropertyName)",
            _ => "False",
        };
    }

    private static void WriteTypes(XmlWriter xml, string listName, string itemName, IEnumerable<TypeHelp> types)
    {
        xml.WriteStartElement("command", listName, CommandNs);
        foreach (TypeHelp type in types)
        {
            xml.WriteStartElement("command", itemName, CommandNs);
            xml.WriteStartElement("dev", "type", DevNs);
            xml.WriteElementString("maml", "name", MamlNs, type.TypeName);
            xml.WriteEndElement();
            WriteDescription(xml, type.Description);
            xml.WriteEndElement();
        }

        xml.WriteEndElement();
    }

    private static void WriteLink(XmlWriter xml, string text, string uri)
    {
        xml.WriteStartElement("maml", "navigationLink", MamlNs);
        xml.WriteElementString("maml", "linkText", MamlNs, text);
        xml.WriteElementString("maml", "uri", MamlNs, uri);
        xml.WriteEndElement();
    }

    private static void WriteDescription(XmlWriter xml, IEnumerable<string> paragraphs)
    {
        xml.WriteStartElement("maml", "description", MamlNs);
        WriteParas(xml, paragraphs);
        xml.WriteEndElement();
    }

    private static void WriteParas(XmlWriter xml, IEnumerable<string> paragraphs)
    {
        foreach (string paragraph in paragraphs)
        {
            xml.WriteElementString("maml", "para", MamlNs, paragraph);
        }
    }

    private static string Bool(bool value) => value ? "true" : "false";
}
