namespace Berth.Bench;

public static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("bench: no scenarios yet");
        return args.Length == 0 ? 2 : 1;
    }
}
