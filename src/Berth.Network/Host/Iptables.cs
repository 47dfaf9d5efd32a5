using System.Text;

namespace Berth.Network.Host;

/// <summary>
/// Minimal iptables access for cleaning up what CNI plugins leave (here iptables is the nf_tables backend).
/// Always waits for the xtables lock (<c>-w</c>), as the plugins do, so concurrent callers queue instead of failing.
/// </summary>
public static class Iptables
{
    /// <summary>The rules of <paramref name="table"/> as <c>iptables -S</c> prints them, split into arguments.</summary>
    public static async Task<IReadOnlyList<IReadOnlyList<string>>> ListRulesAsync(string table, CancellationToken cancellationToken = default)
    {
        var text = await HostCommand.RunCheckedAsync("iptables", ["-w", "-t", table, "-S"], cancellationToken: cancellationToken).ConfigureAwait(false);
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Split).ToList();
    }

    /// <summary>Deletes the chains named by <paramref name="isOwned"/> from <paramref name="table"/>: first every
    /// rule anywhere that jumps to one of them, then their rules, then the chains.</summary>
    public static async Task<IReadOnlyList<string>> DeleteChainsAsync(string table, Func<string, bool> isOwned, CancellationToken cancellationToken = default)
    {
        var rules = await ListRulesAsync(table, cancellationToken).ConfigureAwait(false);
        var chains = rules.Where(r => r.Count == 2 && r[0] == "-N" && isOwned(r[1])).Select(r => r[1]).ToList();
        if (chains.Count == 0)
        {
            return chains;
        }

        foreach (var r in rules)
        {
            if (r.Count < 2 || r[0] != "-A" || isOwned(r[1]))
            {
                continue;
            }

            var j = r.ToList().IndexOf("-j");
            if (j < 0 || j + 1 >= r.Count || !chains.Contains(r[j + 1]))
            {
                continue;
            }

            var args = new List<string> { "-w", "-t", table, "-D" };
            args.AddRange(r.Skip(1));
            await HostCommand.RunAsync("iptables", args, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        foreach (var c in chains)
        {
            await HostCommand.RunAsync("iptables", ["-w", "-t", table, "-F", c], cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        foreach (var c in chains)
        {
            await HostCommand.RunCheckedAsync("iptables", ["-w", "-t", table, "-X", c], cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        return chains;
    }

    /// <summary>Splits one line of <c>iptables -S</c> output into arguments (double quotes group, backslash escapes).</summary>
    internal static IReadOnlyList<string> Split(string line)
    {
        var args = new List<string>();
        var sb = new StringBuilder();
        var inQuotes = false;
        var any = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '\\' && i + 1 < line.Length)
            {
                sb.Append(line[++i]);
                any = true;
            }
            else if (c == '"')
            {
                inQuotes = !inQuotes;
                any = true;
            }
            else if (char.IsWhiteSpace(c) && !inQuotes)
            {
                if (any)
                {
                    args.Add(sb.ToString());
                    sb.Clear();
                    any = false;
                }
            }
            else
            {
                sb.Append(c);
                any = true;
            }
        }

        if (any)
        {
            args.Add(sb.ToString());
        }

        return args;
    }
}
