using Berth.Controllers.CronJobs;
using Berth.Controllers.DaemonSets;
using Berth.Controllers.Deployments;
using Berth.Controllers.Endpoints;
using Berth.Controllers.GarbageCollection;
using Berth.Controllers.Jobs;
using Berth.Controllers.Namespaces;
using Berth.Controllers.NodeLifecycle;
using Berth.Controllers.ReplicaSets;
using Berth.Controllers.Runtime;
using Berth.Controllers.Scheduling;
using Berth.Controllers.StatefulSets;
using Berth.Controllers.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Controllers;

/// <summary>Registers the controller manager and every built-in controller.</summary>
public static class ControllerRegistration
{
    public static IServiceCollection AddBerthControllers(this IServiceCollection services, string identity, WorkloadOptions? options = null)
    {
        options ??= new WorkloadOptions();
        services.AddSingleton(new ControllerManagerOptions(identity));
        services.AddSingleton(options);
        services.AddSingleton<Func<ControllerContext, Controller>>(c => new NamespaceController(c));
        services.AddSingleton<Func<ControllerContext, Controller>>(c => new GarbageCollector(c));
        services.AddSingleton<Func<ControllerContext, Controller>>(c => new EndpointsController(c));
        foreach (var factory in WorkloadControllers(options).Concat(KubeVirt.KubeVirtControllers.Factories))
        {
            services.AddSingleton(factory);
        }

        services.AddSingleton<ControllerManager>();
        services.AddHostedService(sp => sp.GetRequiredService<ControllerManager>());
        return services;
    }

    /// <summary>The factories of the workload controllers, the scheduler and node lifecycle, minus those disabled.</summary>
    public static IEnumerable<Func<ControllerContext, Controller>> WorkloadControllers(WorkloadOptions options)
    {
        var all = new (string Name, Func<ControllerContext, Controller> Factory)[]
        {
            ("replicaset", c => new ReplicaSetController(c)),
            ("deployment", c => new DeploymentController(c)),
            ("statefulset", c => new StatefulSetController(c)),
            ("daemonset", c => new DaemonSetController(c)),
            ("job", c => new JobController(c, options)),
            ("ttl-after-finished", c => new TtlAfterFinishedController(c)),
            ("cronjob", c => new CronJobController(c)),
            ("local-volume-provisioner", c => new LocalVolumeProvisioner(c, options)),
            ("scheduler", c => new SchedulerController(c, options.Scheduler)),
            ("node-lifecycle", c => new NodeLifecycleController(c, options)),
        };
        return all.Where(a => !options.Disabled.Contains(a.Name)).Select(a => a.Factory);
    }
}
