using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Scalable.TestSupport;

namespace Scalable.TestSupport.Tests;

public sealed class PackageApiCheckTests : IDisposable
{
    // Version 1 of a made-up package, which the user assembly below is compiled against.
    private const string PackageOne = """
        namespace Pkg;
        public class Client { public int Count; public void Send(string text) { } public void Close() { } }
        public interface IReader { int Read(); }
        public interface IProducer<TKey, TValue> { void Produce(TKey key, TValue value); void Flush(System.TimeSpan timeout); }
        public class Removed { }
        """;

    // Version 2: Close and Count moved to a base class, Read to a base interface, Send and Flush changed, Removed gone.
    private const string PackageTwo = """
        namespace Pkg;
        public class ClientBase { public int Count; public void Close() { } }
        public class Client : ClientBase { public void Send(string text, int retries) { } }
        public interface IReaderBase { int Read(); }
        public interface IReader : IReaderBase { }
        public interface IProducer<TKey, TValue> { void Produce(TKey key, TValue value); int Flush(System.TimeSpan timeout); }
        """;

    private const string User = """
        namespace User;
        public static class Uses
        {
            public static int All(Pkg.Client client, Pkg.IReader reader, Pkg.IProducer<string, byte[]> producer)
            {
                client.Send("text");
                client.Close();
                producer.Produce("key", new byte[1]);
                producer.Flush(System.TimeSpan.Zero);
                return client.Count + reader.Read() + new Pkg.Client().Count + new Pkg.Removed().GetHashCode();
            }
        }
        """;

    private readonly string _folder = Directory.CreateTempSubdirectory("package-api-check-").FullName;

    [Fact]
    public void Lists_the_referenced_types_and_members_including_those_of_generic_instantiations()
    {
        var user = CompileUser(CompilePackage(PackageOne, "one"));

        Assert.Equal(
            [
                "F Pkg.Client::Count:Int32",
                "M Pkg.Client::.ctor():Void",
                "M Pkg.Client::Close():Void",
                "M Pkg.Client::Send(String):Void",
                "M Pkg.IProducer`2::Flush(System.TimeSpan):Void",
                "M Pkg.IProducer`2::Produce(!0,!1):Void",
                "M Pkg.IReader::Read():Int32",
                "M Pkg.Removed::.ctor():Void",
                "T Pkg.Client",
                "T Pkg.IProducer`2",
                "T Pkg.IReader",
                "T Pkg.Removed",
            ],
            PackageApiCheck.Referenced(user, "Pkg"));
    }

    [Fact]
    public void Finds_nothing_missing_in_the_version_compiled_against()
    {
        var one = CompilePackage(PackageOne, "one");

        Assert.Empty(PackageApiCheck.Missing(CompileUser(one), "Pkg", one));
    }

    [Fact]
    public void Reports_what_would_not_bind_at_run_time_in_the_newer_version()
    {
        var user = CompileUser(CompilePackage(PackageOne, "one"));

        // Close binds through the base class, as the runtime resolves it; a field or a base interface's
        // method does not, and neither does a changed signature, in a generic type too.
        Assert.Equal(
            [
                "F Pkg.Client::Count:Int32",
                "M Pkg.Client::Send(String):Void",
                "M Pkg.IProducer`2::Flush(System.TimeSpan):Void",
                "M Pkg.IReader::Read():Int32",
                "M Pkg.Removed::.ctor():Void",
                "T Pkg.Removed",
            ],
            PackageApiCheck.Missing(user, "Pkg", CompilePackage(PackageTwo, "two")));
    }

    [Fact]
    public void Checks_real_packages_the_same_way()
    {
        // This project's support assembly uses the StackExchange.Redis it runs on: all of it is in that assembly, none in Confluent.Kafka's.
        var support = typeof(RedisServer).Assembly.Location;
        var referenced = PackageApiCheck.Referenced(support, "StackExchange.Redis");

        Assert.Contains("T StackExchange.Redis.ConnectionMultiplexer", referenced);
        Assert.Empty(PackageApiCheck.Missing(support, "StackExchange.Redis", typeof(StackExchange.Redis.IDatabase).Assembly.Location));
        Assert.Equal(referenced, PackageApiCheck.Missing(support, "StackExchange.Redis", typeof(Confluent.Kafka.IProducer<,>).Assembly.Location));
    }

    [Fact]
    public void A_package_that_was_not_downloaded_fails_with_the_PackageDownload_to_add()
    {
        var error = Assert.Throws<FileNotFoundException>(() => PackageApiCheck.PackageAssembly("Scalable.NotDownloaded", "9.9.9", "net10.0"));

        Assert.Contains("<PackageDownload Include=\"Scalable.NotDownloaded\" Version=\"[9.9.9]\" />", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Compile(string name, string source, string folder, params string[] references)
    {
        var path = Path.Combine(_folder, folder, name + ".dll");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var compilation = CSharpCompilation.Create(
            name,
            [CSharpSyntaxTree.ParseText(source)],
            references.Append(typeof(object).Assembly.Location).Select(r => MetadataReference.CreateFromFile(r)),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var result = compilation.Emit(path);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        return path;
    }

    private string CompilePackage(string source, string version) => Compile("Pkg", source, version);

    private string CompileUser(string package) => Compile("User", User, "user", package);
}
