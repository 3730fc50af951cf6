// POST /echo answers 200 with the request's body and Content-Type, copied through without parsing
// or keeping anything: the least work a JSON API can do, so the benchmark measures the load tools.
// /health/ready only tells the script it is up.
var builder = WebApplication.CreateSlimBuilder(args);

var app = builder.Build();
app.MapGet("/health/ready", () => "ready");
app.MapPost("/echo", EchoAsync);
app.Run();

static async Task EchoAsync(HttpContext context, CancellationToken cancellationToken)
{
    context.Response.ContentType = context.Request.ContentType ?? "application/octet-stream";
    context.Response.ContentLength = context.Request.ContentLength;
    await context.Request.Body.CopyToAsync(context.Response.Body, cancellationToken);
}
