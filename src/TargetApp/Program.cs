using TargetApp;
using TargetApp.Diagnostics;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults(TargetAppTelemetry.Name);
builder.AddTargetApp();

var app = builder.Build();
if (!app.SettingsAreValid(settingsDoc: "docs/target-app.md#settings"))
{
    return StartupErrors.ConfigurationError;
}

app.UseExceptionHandler();
app.MapDefaultEndpoints();
app.MapTargetAppApi();

return app.RunAndReport();
