using System.Management.Automation;
using KvCertPending.Engine;

namespace KvCertPending
{
    /// <summary>
    /// Import-Module / Remove-Module hooks: register (and remove) the resolver for the module's own Dependencies folder.
    /// Nothing else happens at import: no assembly of the Azure SDK is loaded, no network, no credential.
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        /// <inheritdoc />
        public void OnImport() => EngineLoader.RegisterResolver();

        /// <inheritdoc />
        public void OnRemove(PSModuleInfo psModuleInfo) => EngineLoader.UnregisterResolver();
    }
}
