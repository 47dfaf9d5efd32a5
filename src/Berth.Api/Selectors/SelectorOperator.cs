namespace Berth.Api.Selectors;

/// <summary>The operators of k8s.io/apimachinery/pkg/selection, with the spelling of their string form.</summary>
public enum SelectorOperator
{
    /// <summary><c>key in (a,b)</c>; the object form's <c>In</c>.</summary>
    In,

    /// <summary><c>key notin (a,b)</c>: also true when the label is absent; the object form's <c>NotIn</c>.</summary>
    NotIn,

    /// <summary><c>key=value</c>; matchLabels entries.</summary>
    Equals,

    /// <summary><c>key==value</c>: same meaning as <see cref="Equals"/>.</summary>
    DoubleEquals,

    /// <summary><c>key!=value</c>: also true when the label is absent.</summary>
    NotEquals,

    /// <summary><c>key</c>; the object form's <c>Exists</c>.</summary>
    Exists,

    /// <summary><c>!key</c>; the object form's <c>DoesNotExist</c>.</summary>
    DoesNotExist,

    /// <summary><c>key&gt;5</c>: the label's value as an integer is greater (string form only).</summary>
    GreaterThan,

    /// <summary><c>key&lt;5</c> (string form only).</summary>
    LessThan,
}
