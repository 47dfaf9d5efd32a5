using System.Diagnostics;
using System.Text.Json;
using Berth.Runtime.Oci.Images;

namespace Berth.Runtime.Oci.Build;

/// <summary>
/// Builds an image from a Containerfile (a practical single-stage Dockerfile subset: FROM scratch
/// or a local image, ARG, ENV, LABEL, USER, WORKDIR, EXPOSE, VOLUME, STOPSIGNAL, ENTRYPOINT, CMD,
/// COPY, ADD, RUN). COPY, ADD, RUN and a WORKDIR that creates its directory each make one layer;
/// the others change only the config. Each filesystem step is looked up in the
/// <see cref="BuildCache"/> first. RUN runs in runc (<see cref="RunStepExecutor"/>).
/// </summary>
public sealed class ImageBuilder(ImageStore store, RunStepExecutor? runner = null)
{
    private const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    private readonly RunStepExecutor _runner = runner ?? new RunStepExecutor();
    private readonly BuildCache _cache = new(store);

    public async Task<BuildResult> BuildAsync(BuildOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var context = Path.GetFullPath(options.ContextDir);
        if (!Directory.Exists(context))
        {
            throw new BuildException($"build context {context} is not a directory");
        }
        var file = options.Containerfile ?? (File.Exists(Path.Combine(context, "Containerfile")) ? Path.Combine(context, "Containerfile") : Path.Combine(context, "Dockerfile"));
        if (!File.Exists(file))
        {
            throw new BuildException($"no Containerfile: {file} does not exist (pass -f FILE)");
        }
        var tags = options.Tags.Select(t =>
        {
            try
            {
                return ImageReference.Parse(t);
            }
            catch (FormatException e)
            {
                throw new BuildException($"-t {t}: {e.Message}");
            }
        }).ToList();
        var name = Path.GetFileName(file);
        var instructions = ContainerfileParser.Parse(await File.ReadAllTextAsync(file, cancellationToken), name);
        if (instructions.Count(i => i.Keyword == "FROM") > 1)
        {
            throw new BuildException($"{name}: multi-stage builds (several FROM) are not supported yet: build each stage as its own image and COPY from the build context");
        }
        using var lck = store.LockShared();
        var state = new BuildState();
        var globalArgs = new Dictionary<string, string>();
        var copier = new ContextCopier(context);
        var unusedArgs = new HashSet<string>(options.BuildArgs.Keys);
        int cached = 0;
        for (var n = 0; n < instructions.Count; n++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var ins = instructions[n];
            await output.WriteLineAsync($"STEP {n + 1}/{instructions.Count}: {ins.Text}");
            try
            {
                switch (ins.Keyword)
                {
                    case "ARG":
                        foreach (var (k, v) in ParseArg(ins, state.Key.Length == 0 ? globalArgs : state.Variables()))
                        {
                            unusedArgs.Remove(k);
                            var value = options.BuildArgs.TryGetValue(k, out var given) ? given : v ?? (globalArgs.TryGetValue(k, out var g) ? g : null);
                            if (state.Key.Length == 0)
                            {
                                if (value is not null)
                                {
                                    globalArgs[k] = value;
                                }
                            }
                            else
                            {
                                state.Args[k] = value ?? "";
                                state.Key = BuildCache.Key(state.Key, $"ARG {k}={value}", "");
                            }
                        }
                        break;
                    case "FROM":
                        From(ins, state, globalArgs);
                        break;
                    case "COPY" or "ADD":
                        if (await CopyAsync(ins, state, copier, output, options.NoCache))
                        {
                            cached++;
                        }
                        break;
                    case "RUN":
                        if (await RunAsync(ins, state, options, output, cancellationToken))
                        {
                            cached++;
                        }
                        break;
                    case "WORKDIR":
                        if (Workdir(ins, state, output, options.NoCache))
                        {
                            cached++;
                        }
                        break;
                    default:
                        ApplyMetadata(ins, state);
                        break;
                }
            }
            catch (BuildException e)
            {
                throw new BuildException($"{name}:{ins.Line}: {ins.Keyword}: {e.Message}", e);
            }
            catch (ImageStoreException e)
            {
                throw new BuildException($"{name}:{ins.Line}: {ins.Keyword}: {e.Message}", e);
            }
            if (ins.Keyword is not ("ARG" or "FROM" or "COPY" or "ADD" or "RUN" or "WORKDIR"))
            {
                state.Key = BuildCache.Key(state.Key, VariableExpander.Expand(ins.Text, state.Variables()), "");
            }
        }
        if (unusedArgs.Count > 0)
        {
            await output.WriteLineAsync($"[Warning] one or more build args were not consumed: [{string.Join(' ', unusedArgs)}]");
        }
        var imageKey = BuildCache.Key(state.Key, "IMAGE", "");
        string digest;
        var previous = options.NoCache ? null : _cache.Lookup(imageKey);
        if (previous?.Layer is { } m && store.Blobs.Exists(m.Digest))
        {
            digest = m.Digest;
        }
        else
        {
            digest = store.PutImage(state.ToConfig(store.Time.GetUtcNow()), state.Layers);
            var size = store.Blobs.SizeOf(digest);
            _cache.Store(imageKey, new BuildCacheEntry { Layer = new OciDescriptor { MediaType = MediaTypes.OciManifest, Digest = digest, Size = size }, CreatedBy = "IMAGE" });
        }
        var (_, manifest) = store.LoadImageManifest(digest);
        await output.WriteLineAsync($"COMMIT {string.Join(", ", tags.Select(t => t.ToString()))}");
        foreach (var tag in tags)
        {
            store.SetReference(tag, digest);
        }
        await output.WriteLineAsync($"--> {digest}");
        foreach (var tag in tags)
        {
            await output.WriteLineAsync($"Successfully tagged {tag}");
        }
        return new BuildResult(digest, manifest.Config.Digest, tags.Select(t => t.ToString()).ToList(), instructions.Count, cached, clock.Elapsed);
    }

    private static IEnumerable<(string Name, string? Default)> ParseArg(Instruction ins, IReadOnlyDictionary<string, string> vars)
    {
        foreach (var word in ContainerfileParser.SplitWords(ins.Arguments))
        {
            var eq = word.IndexOf('=');
            yield return eq < 0 ? (word, null) : (word[..eq], VariableExpander.Expand(word[(eq + 1)..], vars));
        }
    }

    private void From(Instruction ins, BuildState state, Dictionary<string, string> globalArgs)
    {
        var words = ContainerfileParser.SplitWords(VariableExpander.Expand(ins.Arguments, globalArgs));
        if (words.Count is not (1 or 3) || (words.Count == 3 && !words[1].Equals("AS", StringComparison.OrdinalIgnoreCase)))
        {
            throw new BuildException("expected FROM IMAGE [AS NAME]");
        }
        if (ins.Flags.TryGetValue("platform", out var platform) && platform != "linux/amd64")
        {
            throw new BuildException($"--platform={platform}: only linux/amd64 images can be built here");
        }
        foreach (var (k, v) in globalArgs)
        {
            state.Args[k] = v;
        }
        if (words[0] == "scratch")
        {
            state.Key = BuildCache.Key("", "FROM scratch", "");
            return;
        }
        var digest = store.FindDigest(words[0])
            ?? throw new BuildException($"base image \"{words[0]}\" is not in the local store: pull it (berth image pull {words[0]}), import it (berth image import FILE) or build it first");
        var (md, manifest) = store.LoadImageManifest(digest);
        var config = store.LoadConfig(manifest, md);
        state.LoadFrom(config, manifest);
        state.Args.Clear();
        state.Key = BuildCache.Key("", "FROM " + md, "");
    }

    /// <summary>Looks the step up in the cache; on a miss runs <paramref name="produce"/>, which returns the layer's directory (or null for no change).</summary>
    private async Task<bool> LayerStepAsync(BuildState state, string instruction, string inputs, string createdBy, bool noCache, TextWriter output,
        Func<string, Task<(string? Dir, bool OverlayUpper)>> produce)
    {
        var key = BuildCache.Key(state.Key, instruction, inputs);
        var hit = noCache ? null : _cache.Lookup(key);
        var fromCache = hit is not null;
        if (hit is null)
        {
            var work = Path.Combine(store.Root, "tmp", "build-" + key[..12] + "-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(work);
            try
            {
                var (dir, upper) = await produce(work);
                if (dir is null || LayerWriter.IsEmpty(dir))
                {
                    hit = new BuildCacheEntry { CreatedBy = createdBy };
                }
                else
                {
                    var (layer, diffId) = LayerWriter.Write(store, dir, upper);
                    store.EnsureLayer(layer, diffId);
                    hit = new BuildCacheEntry { Layer = layer, DiffId = diffId, CreatedBy = createdBy };
                }
                _cache.Store(key, hit);
            }
            finally
            {
                ImageStore.RemoveTree(work);
            }
        }
        else if (hit.Layer is { } l)
        {
            store.EnsureLayer(l, hit.DiffId!);
        }
        var created = store.Time.GetUtcNow();
        if (hit.Layer is { } layerDesc)
        {
            state.Layers.Add(layerDesc);
            state.DiffIds.Add(hit.DiffId!);
            state.History.Add(new HistoryEntry { Created = created, CreatedBy = createdBy, Comment = "berth image build" });
            await output.WriteLineAsync(fromCache
                ? $"--> Using cache {Digest.Short(layerDesc.Digest)}"
                : $"--> {Digest.Short(layerDesc.Digest)} ({FormatSize(layerDesc.Size)})");
        }
        else
        {
            state.History.Add(new HistoryEntry { Created = created, CreatedBy = createdBy, Comment = "berth image build", EmptyLayer = true });
            await output.WriteLineAsync(fromCache ? "--> Using cache (no changes)" : "--> (no filesystem changes)");
        }
        state.Key = key;
        return fromCache;
    }

    private async Task<bool> CopyAsync(Instruction ins, BuildState state, ContextCopier copier, TextWriter output, bool noCache)
    {
        var isAdd = ins.Keyword == "ADD";
        if (ins.Flags.ContainsKey("from"))
        {
            throw new BuildException("--from (multi-stage builds) is not supported yet");
        }
        var vars = state.Variables();
        var words = ins.ExecForm?.Select(w => VariableExpander.Expand(w, vars)).ToList()
            ?? ContainerfileParser.SplitWords(VariableExpander.Expand(ins.Arguments, vars));
        if (words.Count < 2)
        {
            throw new BuildException($"{ins.Keyword} needs at least one source and a destination");
        }
        var sources = words[..^1];
        var dest = words[^1];
        var absDest = dest.StartsWith('/') ? dest : CombineWorkdir(state.WorkingDir, dest) + (dest.EndsWith('/') || dest is "." or "./" ? "/" : "");
        string? chownText = ins.Flags.TryGetValue("chown", out var c) ? VariableExpander.Expand(c, vars) : null;
        uint? chmod = ins.Flags.TryGetValue("chmod", out var m) ? Convert.ToUInt32(m, 8) : null;
        var instruction = $"{ins.Keyword} {string.Join(' ', ins.Flags.Select(f => $"--{f.Key}={f.Value}"))} {string.Join(' ', sources)} {absDest}";
        (uint, uint)? owner = chownText is null ? null : ResolveOwner(state, chownText);
        // Hash first (reads the sources); copy into a staging directory only when the cache misses.
        var inputs = copier.Copy(sources, absDest, null, owner, chmod, isAdd);
        var createdBy = $"{ins.Keyword} {string.Join(' ', sources)} {absDest} # {Digest.Short(inputs)}";
        return await LayerStepAsync(state, instruction, inputs, createdBy, noCache, output, work =>
        {
            var stage = Path.Combine(work, "stage");
            Directory.CreateDirectory(stage);
            copier.Copy(sources, absDest, stage, owner, chmod, isAdd);
            return Task.FromResult<(string?, bool)>((stage, false));
        });
    }

    /// <summary>--chown names are looked up in the image's /etc/passwd and /etc/group (top-most layer that has the file).</summary>
    private (uint, uint) ResolveOwner(BuildState state, string chown)
    {
        string[]? Find(string file, string name)
        {
            for (var i = state.DiffIds.Count - 1; i >= 0; i--)
            {
                var path = Path.Combine(store.LayerDir(state.DiffIds[i]), file);
                if (File.Exists(path))
                {
                    foreach (var line in File.ReadLines(path))
                    {
                        var parts = line.Split(':');
                        if (parts.Length >= 3 && (name.StartsWith('#') ? parts[2] == name[1..] : parts[0] == name))
                        {
                            return parts;
                        }
                    }
                    return null;
                }
            }
            return null;
        }
        return UserResolver.Resolve(chown, n => Find("etc/passwd", n), n => Find("etc/group", n));
    }

    private async Task<bool> RunAsync(Instruction ins, BuildState state, BuildOptions options, TextWriter output, CancellationToken ct)
    {
        var args = ins.ExecForm is { } exec ? exec.ToList() : ["/bin/sh", "-c", ins.Arguments];
        if (args.Count == 0)
        {
            throw new BuildException("RUN needs a command");
        }
        var env = new List<string>(state.Env);
        if (!env.Any(e => e.StartsWith("PATH=", StringComparison.Ordinal)))
        {
            env.Insert(0, "PATH=" + DefaultPath);
        }
        foreach (var (k, v) in state.Args)
        {
            if (!env.Any(e => e.StartsWith(k + "=", StringComparison.Ordinal)))
            {
                env.Add($"{k}={v}");
            }
        }
        var network = ins.Flags.TryGetValue("network", out var net) ? net : options.Network;
        if (network is not ("none" or "host" or "default"))
        {
            throw new BuildException($"--network={network}: use none or host");
        }
        network = network == "default" ? options.Network : network;
        var argsHash = string.Join('\n', state.Args.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}={a.Value}"));
        var createdBy = ins.ExecForm is null ? $"RUN /bin/sh -c {ins.Arguments}" : $"RUN {JsonSerializer.Serialize(args, OciJsonContext.Default.ListString)}";
        return await LayerStepAsync(state, createdBy + " network=" + network, argsHash, createdBy, options.NoCache, output, async work =>
        {
            var lowers = state.Layers.Select((l, i) => store.EnsureLayer(l, state.DiffIds[i])).Reverse().ToList();
            var upper = await _runner.RunAsync(lowers, work, args, env, state.WorkingDir ?? "/", state.User, network, output, ct);
            return (upper, true);
        });
    }

    private bool Workdir(Instruction ins, BuildState state, TextWriter output, bool noCache)
    {
        var dir = VariableExpander.Expand(ins.Arguments.Trim(), state.Variables());
        state.WorkingDir = dir.StartsWith('/') ? dir : CombineWorkdir(state.WorkingDir, dir);
        var rel = LayerUnpacker.CleanRelative(state.WorkingDir, "WORKDIR");
        if (rel is null || state.DiffIds.Any(d => Directory.Exists(Path.Combine(store.LayerDir(d), rel))))
        {
            state.Key = BuildCache.Key(state.Key, "WORKDIR " + state.WorkingDir, "");
            return false;
        }
        return LayerStepAsync(state, "WORKDIR " + state.WorkingDir, "", "WORKDIR " + state.WorkingDir, noCache, output, work =>
        {
            Directory.CreateDirectory(Path.Combine(work, "stage", rel));
            return Task.FromResult<(string?, bool)>((Path.Combine(work, "stage"), false));
        }).GetAwaiter().GetResult();
    }

    private static string CombineWorkdir(string? workdir, string path)
    {
        var combined = "/" + (LayerUnpacker.CleanRelative((workdir ?? "/") + "/" + path, "path") ?? "");
        return combined;
    }

    private static void ApplyMetadata(Instruction ins, BuildState state)
    {
        var vars = state.Variables();
        string Expand(string s) => VariableExpander.Expand(s, vars);
        switch (ins.Keyword)
        {
            case "ENV":
                foreach (var (k, v) in ContainerfileParser.ParsePairs(Expand(ins.Arguments), allowLegacy: true))
                {
                    state.SetEnv(k, v);
                }
                break;
            case "LABEL":
                foreach (var (k, v) in ContainerfileParser.ParsePairs(Expand(ins.Arguments), allowLegacy: false))
                {
                    state.Labels[k] = v;
                }
                break;
            case "USER":
                state.User = Expand(ins.Arguments.Trim());
                break;
            case "EXPOSE":
                foreach (var p in ContainerfileParser.SplitWords(Expand(ins.Arguments)))
                {
                    var port = p.Contains('/') ? p.ToLowerInvariant() : p + "/tcp";
                    if (!int.TryParse(port.Split('/')[0], out var number) || number is < 1 or > 65535 || port.Split('/')[1] is not ("tcp" or "udp" or "sctp"))
                    {
                        throw new BuildException($"EXPOSE {p}: expected PORT[/tcp|udp|sctp]");
                    }
                    state.ExposedPorts.Add(port);
                }
                break;
            case "VOLUME":
                foreach (var v in ins.ExecForm ?? ContainerfileParser.SplitWords(Expand(ins.Arguments)))
                {
                    state.Volumes.Add(v);
                }
                break;
            case "STOPSIGNAL":
                state.StopSignal = Expand(ins.Arguments.Trim());
                break;
            case "MAINTAINER":
                state.Author = ins.Arguments.Trim();
                break;
            case "ENTRYPOINT":
                state.Entrypoint = ins.ExecForm?.ToList() ?? (ins.Arguments.Length == 0 ? null : ["/bin/sh", "-c", ins.Arguments]);
                // Docker: setting ENTRYPOINT resets a CMD inherited from the base image (not one set in this Containerfile).
                if (!state.CmdSet)
                {
                    state.Cmd = null;
                }
                break;
            case "CMD":
                state.Cmd = ins.ExecForm?.ToList() ?? (ins.Arguments.Length == 0 ? null : ["/bin/sh", "-c", ins.Arguments]);
                state.CmdSet = true;
                break;
        }
        state.History.Add(new HistoryEntry { Created = null, CreatedBy = ins.Text, EmptyLayer = true });
    }

    internal static string FormatSize(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:0.#} KiB",
        < 1024L * 1024 * 1024 => $"{bytes / 1048576.0:0.#} MiB",
        _ => $"{bytes / 1073741824.0:0.##} GiB",
    };
}
