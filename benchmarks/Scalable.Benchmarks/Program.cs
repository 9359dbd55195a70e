using BenchmarkDotNet.Running;

// Runs the benchmarks chosen on the command line, e.g. `dotnet run -c Release -- --filter "*Caching*"`.
if (args is ["shard-move", ..])
{
    // The shard-move harness (docs/performance.md, "Shard moves"): rows and writers are optional arguments.
    await Scalable.Benchmarks.Sharding.ShardMoveHarness.RunAsync(
        args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 100_000,
        args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 4);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
