using System.Net;
using System.Text;

// A minimal web app for a FROM scratch image: answers every GET with a greeting, the host name and the time.
var port = Environment.GetEnvironmentVariable("PORT") ?? "8080";
var greeting = Environment.GetEnvironmentVariable("GREETING") ?? "Hello from .NET in Berth";
using var listener = new HttpListener();
listener.Prefixes.Add($"http://*:{port}/");
listener.Start();
Console.WriteLine($"listening on :{port}");
using var stop = new CancellationTokenSource();
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
while (!stop.IsCancellationRequested)
{
    var context = await listener.GetContextAsync().WaitAsync(stop.Token).ConfigureAwait(false);
    var body = Encoding.UTF8.GetBytes($"{greeting} from {Environment.MachineName} at {DateTimeOffset.UtcNow:O}\n");
    context.Response.ContentType = "text/plain; charset=utf-8";
    context.Response.ContentLength64 = body.Length;
    await context.Response.OutputStream.WriteAsync(body).ConfigureAwait(false);
    context.Response.Close();
    Console.WriteLine($"{context.Request.HttpMethod} {context.Request.Url?.AbsolutePath} 200");
}
