namespace Berth.Server.Auth;

/// <summary>An authenticated caller: a user name and its groups (<c>system:masters</c> is the admin group).</summary>
public sealed record UserInfo(string Name, IReadOnlyList<string> Groups);
