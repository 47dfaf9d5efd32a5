using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Berth.Agent.Pods;
using Berth.Runtime.Oci.Images;
using Berth.Runtime.Oci.Registry;

namespace Berth.Agent.Images;

/// <summary>
/// The kubelet's image manager (pkg/kubelet/images/image_manager.go): applies a container's pull policy against the
/// node's image store, pulls through <see cref="ImagePuller"/>, and backs off per pod and image after a failure
/// (10 s doubling to 5 min): the failing sync shows <c>ErrImagePull</c> with the registry's message, the syncs within
/// the back-off <c>ImagePullBackOff</c>. Pulls of one reference are serialised, so that a hundred pods of one image
/// pull it once. Events go through the callback with the kubelet's reasons and messages.
/// </summary>
internal sealed class ImageManager(ImageStore store, Func<ImagePuller> puller, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _pulls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _lastError = new(StringComparer.Ordinal);

    public BackOff BackOff { get; } = new(time, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5));

    public ImageStore Store => store;

    /// <param name="event">(type, reason, message) for the container's events.</param>
    public async Task<ResolvedImage> EnsureAsync(string podUid, string image, string? pullPolicy, Action<string, string, string> @event, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(image) || !ImageReference.TryParse(image, out _))
        {
            var msg = $"Failed to apply default image tag \"{image}\": couldn't parse image name \"{image}\": invalid reference format";
            @event("Warning", "InspectFailed", msg);
            throw new ImagePullException("InvalidImageName", msg);
        }

        var policy = string.IsNullOrEmpty(pullPolicy) ? (ImageReference.Parse(image).Tag is "latest" or null && ImageReference.Parse(image).Digest is null ? "Always" : "IfNotPresent") : pullPolicy;
        var present = TryResolve(image);
        if (policy == "Never")
        {
            if (present is not null)
            {
                @event("Normal", "Pulled", $"Container image \"{image}\" already present on machine");
                return present;
            }

            var msg = $"Container image \"{image}\" is not present with pull policy of Never";
            @event("Warning", "ErrImageNeverPull", msg);
            throw new ImagePullException("ErrImageNeverPull", msg);
        }

        if (policy == "IfNotPresent" && present is not null)
        {
            @event("Normal", "Pulled", $"Container image \"{image}\" already present on machine");
            return present;
        }

        var key = podUid + "/" + image;
        if (BackOff.IsInBackOffSinceUpdate(key))
        {
            @event("Normal", "BackOff", $"Back-off pulling image \"{image}\"");
            var last = _lastError.GetValueOrDefault(key);
            throw new ImagePullException("ImagePullBackOff", last is null ? $"Back-off pulling image \"{image}\"" : $"Back-off pulling image \"{image}\": ErrImagePull: {last}");
        }

        @event("Normal", "Pulling", $"Pulling image \"{image}\"");
        var waitWatch = Stopwatch.StartNew();
        var gate = _pulls.GetOrAdd(image, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            var pullWatch = Stopwatch.StartNew();
            try
            {
                await puller().PullAsync(image, null, ct);
            }
            catch (Exception e) when (e is ImageStoreException or IOException or HttpRequestException)
            {
                BackOff.Next(key, time.GetUtcNow());
                _lastError[key] = e.Message;
                @event("Warning", "Failed", $"Failed to pull image \"{image}\": {e.Message}");
                @event("Warning", "Failed", "Error: ErrImagePull");
                throw new ImagePullException("ErrImagePull", e.Message);
            }

            var resolved = await store.ResolveAsync(image, ct);
            BackOff.Reset(key);
            _lastError.TryRemove(key, out _);
            long size = 0;
            foreach (var dir in resolved.LayerDirs)
            {
                size += DirectorySize(dir);
            }

            @event("Normal", "Pulled", string.Create(CultureInfo.InvariantCulture,
                $"Successfully pulled image \"{image}\" in {Seconds(pullWatch.Elapsed)} ({Seconds(waitWatch.Elapsed)} including waiting). Image size: {size} bytes."));
            return resolved;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Forgets a pod's pull back-offs (when it goes).</summary>
    public void Forget(string podUid)
    {
        BackOff.ResetPrefix(podUid + "/");
        foreach (var k in _lastError.Keys.Where(k => k.StartsWith(podUid + "/", StringComparison.Ordinal)))
        {
            _lastError.TryRemove(k, out _);
        }
    }

    private ResolvedImage? TryResolve(string image)
    {
        try
        {
            return store.Resolve(image);
        }
        catch (ImageNotFoundException)
        {
            return null;
        }
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds < 1 ? $"{(int)t.TotalMilliseconds}ms" : $"{t.TotalSeconds:0.###}s";

    private static long DirectorySize(string dir)
    {
        try
        {
            return new DirectoryInfo(dir).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }).Sum(f => f.Length);
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
