using Gateway;
using Gateway.Telemetry;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults(GatewayTelemetry.Name, httpClientMetrics: false);
builder.AddGateway();

var app = builder.Build();
if (!app.SettingsAreValid(settingsDoc: "docs/gateway.md#settings"))
{
    return StartupErrors.ConfigurationError;
}

app.MapDefaultEndpoints();
app.MapGateway();

return app.RunAndReport();
