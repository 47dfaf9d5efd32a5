using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Berth.Controllers.Common;

/// <summary>
/// <c>intstr.GetScaledValueFromIntOrPercent</c>: an integer is taken as is; <c>"N%"</c> is N percent of
/// <c>total</c>, rounded up or down as asked (Deployments round maxSurge up and maxUnavailable down).
/// </summary>
public static class IntOrPercent
{
    public static int Scaled(JsonNode? value, int total, bool roundUp, int fallback = 0)
    {
        if (value is not JsonValue v)
        {
            return fallback;
        }

        if (Berth.Api.Resources.Json.TryGetInteger(v, out var n))
        {
            return (int)n;
        }

        if (v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() is var s)
        {
            if (s.EndsWith('%') && int.TryParse(s[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var percent))
            {
                var scaled = (long)percent * total;
                return (int)(roundUp ? (scaled + 99) / 100 : scaled / 100);
            }

            // kube accepts a string that holds an integer as the integer.
            if (int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i))
            {
                return i;
            }
        }

        return fallback;
    }
}
