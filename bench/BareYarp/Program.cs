// The least a YARP host can be: one route, one cluster, one destination, from configuration
// (env: ReverseProxy__Clusters__target__Destinations__only__Address=http://127.0.0.1:5201/).
// It is what Harness's Gateway is measured against; /health/ready only tells the script it is up.
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));

var app = builder.Build();
app.MapGet("/health/ready", () => "ready");
app.MapReverseProxy();
app.Run();
