namespace Berth.Scheduler.Matching;

/// <summary>The operators of label selectors (In, NotIn, Exists, DoesNotExist) and node selectors (also Gt, Lt).</summary>
internal enum SelectorOperator
{
    In,
    NotIn,
    Exists,
    DoesNotExist,
    Gt,
    Lt,
}
