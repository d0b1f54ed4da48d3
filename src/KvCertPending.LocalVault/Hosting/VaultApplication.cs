using System.Net;
using System.Security.Cryptography.X509Certificates;
using KvCertPending.LocalVault.Crypto;
using KvCertPending.LocalVault.Endpoints;
using KvCertPending.LocalVault.Faults;
using KvCertPending.LocalVault.Http;
using KvCertPending.LocalVault.Identity;
using KvCertPending.LocalVault.Lifecycle;
using KvCertPending.LocalVault.Storage;

namespace KvCertPending.LocalVault.Hosting;

/// <summary>Builds the web application: Kestrel over HTTPS, the request pipeline, services, route groups.</summary>
internal static class VaultApplication
{
    public static WebApplication Build(LocalVaultOptions options, int port, X509Certificate2 tlsCertificate, VaultParts parts)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(VaultApplication).Assembly.GetName().Name,
            ContentRootPath = options.DataDirectory,
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // A failed bind is reported by StartAsync's exception (and retried for port 0): no stack trace on the console.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        builder.Logging.AddFilter("KvCertPending.LocalVault.Requests", options.LogRequests ? LogLevel.Information : LogLevel.Warning);
        if (options.LoggerProvider is { } extra)
        {
            // A rule for this provider beats the minimum and the category rules above, which then hold for the console only.
            builder.Logging.AddProvider(extra);
            builder.Services.Configure<LoggerFilterOptions>(o => o.Rules.Add(new LoggerFilterRule(extra.GetType().FullName, null, LogLevel.Trace, null)));
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = VaultJson.HardLimitBytes;
            if (options.ListenOnAllInterfaces)
            {
                kestrel.ListenAnyIP(port, listen => listen.UseHttps(tlsCertificate));
                return;
            }

            kestrel.Listen(IPAddress.Loopback, port, listen => listen.UseHttps(tlsCertificate));
            if (FreePort.HasIPv6Loopback())
            {
                kestrel.Listen(IPAddress.IPv6Loopback, port, listen => listen.UseHttps(tlsCertificate));
            }
        });

        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, EmbeddedLifetime>();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(parts.Core);
        builder.Services.AddSingleton(parts.Core.Keys);
        builder.Services.AddSingleton(parts.Tokens);
        builder.Services.AddSingleton(parts.Identity);
        builder.Services.AddSingleton(parts.Faults);
        builder.Services.AddSingleton(parts.Backups);
        builder.Services.AddSingleton<Simulations>();
        builder.Services.AddSingleton<CertificateCreation>();
        builder.Services.AddSingleton<PendingOperations>();
        builder.Services.AddSingleton<CertificateMaintenance>();
        builder.Services.AddSingleton<CertificateImport>();
        builder.Services.AddSingleton<CertificateBackup>();
        builder.Services.AddHostedService<IssuanceWorker>();
        builder.Services.AddRouting();

        var app = builder.Build();
        if (options.LogRequests)
        {
            app.Use(RequestLog.InvokeAsync);
        }

        app.Use(RequestIdentity.InvokeAsync);
        app.Use(PathNormalization.InvokeAsync);
        app.Use(BearerChallenge.InvokeAsync);
        app.Use(ApiVersions.InvokeAsync);
        app.Use(FaultMiddleware.InvokeAsync);
        app.UseRouting();
        PendingEndpoints.Map(app);
        CertificateEndpoints.Map(app);
        IssuerEndpoints.Map(app);
        ContactEndpoints.Map(app);
        IdentityEndpoints.Map(app);
        FaultEndpoints.Map(app);
        DeletedCertificateEndpoints.Map(app);
        SecretEndpoints.Map(app);
        ManagementEndpoints.Map(app);
        ResourceManagerEndpoints.Map(app);
        app.Use(NotFound);
        return app;
    }

    /// <summary>Unmatched paths and methods get Key Vault-shaped errors instead of empty 404/405 responses.</summary>
    private static Task NotFound(HttpContext context, RequestDelegate next)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint is null)
        {
            return ErrorWriter.WriteAsync(context, 404, "NotFound", $"The requested resource {context.Request.Method} {context.Request.Path} was not found in this vault.");
        }

        if (endpoint.DisplayName?.StartsWith("405", StringComparison.Ordinal) == true)
        {
            return ErrorWriter.WriteAsync(context, 405, "MethodNotAllowed", $"The method {context.Request.Method} is not allowed on {context.Request.Path}.");
        }

        return next(context);
    }
}
