namespace Berth.Api.Resources.Kinds;

/// <summary>
/// Column definitions that many kinds share, with the descriptions of printers.go
/// (pkg/printers/internalversion). Cells follow the column types: <c>string</c> cells are strings,
/// <c>integer</c> cells are <see cref="long"/>, <c>boolean</c> cells are <see cref="bool"/>.
/// </summary>
internal static class Columns
{
    public static readonly TableColumn Name = new("Name", "string",
        "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated.",
        0, "name");

    public static readonly TableColumn Age = new("Age", "string",
        "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.");

    public static readonly TableColumn Containers = new("Containers", "string", "Names of each container in the template.", 1);

    public static readonly TableColumn Images = new("Images", "string", "Images referenced by each container in the template.", 1);

    public static TableColumn Selector(string description) => new("Selector", "string", description, 1);

    public static TableColumn Text(string name, string description, int priority = 0) => new(name, "string", description, priority);

    public static TableColumn Integer(string name, string description, int priority = 0) => new(name, "integer", description, priority);
}
