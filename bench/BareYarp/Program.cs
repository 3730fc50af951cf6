// The least a YARP host can be: one route, one cluster, one destination, from configuration
// (env: ReverseProxy__Clusters__target__Destinations__only__Address=http://127.0.0.1:5201/).
// It is what Harness's Gateway is measured against; /health/ready only tells the script it is up.
// ListenBacklog (env, optional) sets the accept backlog as Harness's services set theirs, so that a
// many-connection run compares the proxies and not their hosts' defaults (512).
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));
if (builder.Configuration.GetValue<int?>("ListenBacklog") is { } backlog)
{
    builder.Services.Configure<SocketTransportOptions>(transport => transport.Backlog = backlog);
}

var app = builder.Build();
app.MapGet("/health/ready", () => "ready");
app.MapReverseProxy();
app.Run();
