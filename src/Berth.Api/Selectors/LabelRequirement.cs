using System.Globalization;
using Berth.Api.Resources;

namespace Berth.Api.Selectors;

/// <summary>
/// One condition of a <see cref="LabelSelector"/>: a label key, an operator and values, as apimachinery's
/// <c>labels.Requirement</c>. Built through <see cref="Create"/>, which applies <c>labels.NewRequirement</c>'s checks.
/// </summary>
public sealed class LabelRequirement
{
    private LabelRequirement(string key, SelectorOperator op, IReadOnlyList<string> values)
    {
        Key = key;
        Operator = op;
        Values = values;
    }

    public string Key { get; }

    public SelectorOperator Operator { get; }

    /// <summary>The values; one for the equality operators and Gt/Lt, none for Exists/DoesNotExist.</summary>
    public IReadOnlyList<string> Values { get; }

    /// <summary>
    /// A validated requirement. Checks, with Kubernetes' messages: the key is a qualified name; In/NotIn have values;
    /// =, ==, != have exactly one; Exists/DoesNotExist have none; Gt/Lt have one integer; every value is a valid
    /// label value. All problems are reported together (<c>[e1, e2]</c>).
    /// </summary>
    /// <exception cref="SelectorException">The requirement is invalid.</exception>
    public static LabelRequirement Create(string key, SelectorOperator op, IEnumerable<string> values)
    {
        var vals = values.ToList();
        var errors = new List<string>();
        if (KeyErrors(key) is { } keyError)
        {
            errors.Add(FieldErrors.Invalid("key", key, keyError));
        }

        switch (op)
        {
            case SelectorOperator.In or SelectorOperator.NotIn when vals.Count == 0:
                errors.Add(FieldErrors.Invalid("values", vals, "for 'in', 'notin' operators, values set can't be empty"));
                break;
            case SelectorOperator.Equals or SelectorOperator.DoubleEquals or SelectorOperator.NotEquals when vals.Count != 1:
                errors.Add(FieldErrors.Invalid("values", vals, "exact-match compatibility requires one single value"));
                break;
            case SelectorOperator.Exists or SelectorOperator.DoesNotExist when vals.Count != 0:
                errors.Add(FieldErrors.Invalid("values", vals, "values set must be empty for exists and does not exist"));
                break;
            case SelectorOperator.GreaterThan or SelectorOperator.LessThan:
                if (vals.Count != 1)
                {
                    errors.Add(FieldErrors.Invalid("values", vals, "for 'Gt', 'Lt' operators, exactly one value is required"));
                }

                for (var i = 0; i < vals.Count; i++)
                {
                    if (!long.TryParse(vals[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
                    {
                        errors.Add(FieldErrors.Invalid($"values[{i}]", vals[i], "for 'Gt', 'Lt' operators, the value must be an integer"));
                    }
                }

                break;
        }

        for (var i = 0; i < vals.Count; i++)
        {
            var problems = Validation.IsValidLabelValue(vals[i]).ToList();
            if (problems.Count > 0)
            {
                errors.Add(FieldErrors.Invalid($"values[{i}][{key}]", vals[i], string.Join("; ", problems)));
            }
        }

        if (errors.Count > 0)
        {
            throw new SelectorException(FieldErrors.Aggregate(errors));
        }

        return new LabelRequirement(key, op, vals);
    }

    /// <summary>A requirement built without checks, for selectors made from already validated label sets.</summary>
    internal static LabelRequirement Unchecked(string key, SelectorOperator op, IReadOnlyList<string> values) => new(key, op, values);

    /// <summary>The problems with <paramref name="key"/> as a label key, joined as Kubernetes joins them, or null.</summary>
    internal static string? KeyErrors(string key)
    {
        var problems = Validation.IsQualifiedName(key).ToList();
        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    /// <summary>Whether <paramref name="labels"/> satisfy this requirement; NotIn, != and DoesNotExist hold when the label is absent.</summary>
    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        var has = labels.TryGetValue(Key, out var value);
        switch (Operator)
        {
            case SelectorOperator.In or SelectorOperator.Equals or SelectorOperator.DoubleEquals:
                return has && Values.Contains(value!, StringComparer.Ordinal);
            case SelectorOperator.NotIn or SelectorOperator.NotEquals:
                return !has || !Values.Contains(value!, StringComparer.Ordinal);
            case SelectorOperator.Exists:
                return has;
            case SelectorOperator.DoesNotExist:
                return !has;
            default:
                if (!has || Values.Count != 1 ||
                    !long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var actual) ||
                    !long.TryParse(Values[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var bound))
                {
                    return false;
                }

                return Operator == SelectorOperator.GreaterThan ? actual > bound : actual < bound;
        }
    }

    /// <summary>The string form: <c>app=web</c>, <c>tier in (a,b)</c>, <c>!canary</c>; several values sorted.</summary>
    public override string ToString()
    {
        var values = Values.Count == 1 ? Values[0] : string.Join(",", Values.OrderBy(v => v, StringComparer.Ordinal));
        return Operator switch
        {
            SelectorOperator.Exists => Key,
            SelectorOperator.DoesNotExist => "!" + Key,
            SelectorOperator.Equals => $"{Key}={values}",
            SelectorOperator.DoubleEquals => $"{Key}=={values}",
            SelectorOperator.NotEquals => $"{Key}!={values}",
            SelectorOperator.In => $"{Key} in ({values})",
            SelectorOperator.NotIn => $"{Key} notin ({values})",
            SelectorOperator.GreaterThan => $"{Key}>{values}",
            _ => $"{Key}<{values}",
        };
    }
}
