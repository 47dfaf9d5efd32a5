namespace Berth.Runtime.Vm.Qmp;

/// <summary>A QMP command answered with <c>{"error": {"class": ..., "desc": ...}}</c>, or the connection failed.</summary>
public sealed class QmpException : Exception
{
    public QmpException(string errorClass, string description)
        : base($"QMP error {errorClass}: {description}")
    {
        ErrorClass = errorClass;
    }

    public QmpException(string message, Exception? inner = null)
        : base(message, inner)
    {
        ErrorClass = "ConnectionError";
    }

    /// <summary>QMP's error class (<c>GenericError</c>, <c>CommandNotFound</c>, ...) or <c>ConnectionError</c>.</summary>
    public string ErrorClass { get; }
}
