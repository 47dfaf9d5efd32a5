using Berth.Agent.Streams;
using Berth.Api.Streams;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Agent;

/// <summary>Wiring of the node agent into a host (<c>berth up</c>): the agent as a hosted service and its <see cref="IPodStreams"/>.</summary>
public static class AgentServiceCollectionExtensions
{
    /// <summary>Registers <see cref="NodeAgent"/> (needs an <c>IApiClient</c> and logging in the container) and <see cref="IPodStreams"/>.</summary>
    public static IServiceCollection AddBerthAgent(this IServiceCollection services, AgentOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton<NodeAgent>(sp => ActivatorUtilities.CreateInstance<NodeAgent>(sp, options));
        services.AddHostedService(sp => sp.GetRequiredService<NodeAgent>());
        services.AddSingleton<IPodStreams>(sp => new PodStreams(sp.GetRequiredService<NodeAgent>(), sp.GetService<TimeProvider>() ?? TimeProvider.System));
        return services;
    }
}
