namespace Berth.Scheduler.Matching;

/// <summary>
/// One compiled requirement of a label or node selector. Semantics follow apimachinery's
/// <c>labels.Requirement.Matches</c>: <c>NotIn</c> and <c>DoesNotExist</c> match a missing label;
/// <c>Gt</c>/<c>Lt</c> need the label to exist and both sides to parse as 64-bit integers.
/// </summary>
internal sealed class Requirement
{
    public Requirement(string key, SelectorOperator op, IReadOnlyList<string>? values)
    {
        Key = key;
        Operator = op;
        Values = values is null ? [] : [.. values];
        if (op is SelectorOperator.Gt or SelectorOperator.Lt)
        {
            Valid = Values.Length == 1 && long.TryParse(Values[0], out _number);
        }
        else
        {
            Valid = op switch
            {
                SelectorOperator.In or SelectorOperator.NotIn => Values.Length > 0,
                _ => Values.Length == 0,
            };
        }
    }

    private readonly long _number;

    public string Key { get; }

    public SelectorOperator Operator { get; }

    public string[] Values { get; }

    /// <summary>False when the requirement would fail validation (e.g. In without values, Gt with a non-integer).</summary>
    public bool Valid { get; }

    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        var has = labels.TryGetValue(Key, out var value);
        switch (Operator)
        {
            case SelectorOperator.In:
                return has && Array.IndexOf(Values, value) >= 0;
            case SelectorOperator.NotIn:
                return !has || Array.IndexOf(Values, value) < 0;
            case SelectorOperator.Exists:
                return has;
            case SelectorOperator.DoesNotExist:
                return !has;
            case SelectorOperator.Gt:
                return has && long.TryParse(value, out var gt) && gt > _number;
            case SelectorOperator.Lt:
                return has && long.TryParse(value, out var lt) && lt < _number;
            default:
                return false;
        }
    }

    public string CanonicalKey()
    {
        var sorted = Values.ToArray();
        Array.Sort(sorted, StringComparer.Ordinal);
        return $"{Key} {Operator} ({string.Join(',', sorted)})";
    }

    public static bool TryParseOperator(string? op, bool nodeSelector, out SelectorOperator result)
    {
        switch (op)
        {
            case "In": result = SelectorOperator.In; return true;
            case "NotIn": result = SelectorOperator.NotIn; return true;
            case "Exists": result = SelectorOperator.Exists; return true;
            case "DoesNotExist": result = SelectorOperator.DoesNotExist; return true;
            case "Gt" when nodeSelector: result = SelectorOperator.Gt; return true;
            case "Lt" when nodeSelector: result = SelectorOperator.Lt; return true;
            default: result = default; return false;
        }
    }
}
