using Berth.Controllers.Endpoints;
using Berth.Controllers.GarbageCollection;
using Berth.Controllers.Namespaces;
using Berth.Controllers.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Controllers;

/// <summary>Registers the controller manager and every built-in controller.</summary>
public static class ControllerRegistration
{
    public static IServiceCollection AddBerthControllers(this IServiceCollection services, string identity)
    {
        services.AddSingleton(new ControllerManagerOptions(identity));
        services.AddSingleton<Func<ControllerContext, Controller>>(c => new NamespaceController(c));
        services.AddSingleton<Func<ControllerContext, Controller>>(c => new GarbageCollector(c));
        services.AddSingleton<Func<ControllerContext, Controller>>(c => new EndpointsController(c));
        foreach (var factory in KubeVirt.KubeVirtControllers.Factories)
        {
            services.AddSingleton(factory);
        }

        services.AddSingleton<ControllerManager>();
        services.AddHostedService(sp => sp.GetRequiredService<ControllerManager>());
        return services;
    }
}
