using Confluent.Kafka;
using StackExchange.Redis;

namespace Scalable.Packaging.Tests;

// The scan that decides what the consumer app must call: it finds client types however a signature hides them,
// and writes each member as a metadata member reference does.
public sealed class ClientTypedApiTests
{
    [Fact]
    public void Finds_every_visible_member_whose_signature_names_a_client_type_and_nothing_else()
    {
        var labels = ClientTypedApi.Find([typeof(ClientTypedSample)]).Select(m => m.Label);

        Assert.Equal(
            [
                "ClientTypedSample.Connection", "ClientTypedSample.Databases", "ClientTypedSample.OnHeaders", "ClientTypedSample.Pick",
                "ClientTypedSample.Producer", "ClientTypedSample.ProtectedUse", "ClientTypedSample.TryRead", "ClientTypedSample.Use",
                "new ClientTypedSample",
            ],
            labels);
    }

    [Fact]
    public void Writes_members_as_metadata_member_references()
    {
        var entries = ClientTypedApi.Find([typeof(ClientTypedSample)]).ToDictionary(m => m.Label, m => m.Entries);

        const string Owner = "Scalable.Packaging.Tests.ClientTypedSample";
        Assert.Equal([$"M {Owner}::.ctor(System.Func`2<System.IServiceProvider,StackExchange.Redis.IConnectionMultiplexer>):Void"], entries["new ClientTypedSample"]);
        Assert.Equal([$"M {Owner}::TryRead(String,StackExchange.Redis.RedisValue&):Boolean"], entries["ClientTypedSample.TryRead"]);
        Assert.Equal([$"M {Owner}::Pick():!!0"], entries["ClientTypedSample.Pick"]);
        Assert.Equal([$"M {Owner}::Use(System.Action`1<Confluent.Kafka.Headers>,Int32[]):Void"], entries["ClientTypedSample.Use"]);
        Assert.Equal([$"F {Owner}::Databases:StackExchange.Redis.IDatabase[]"], entries["ClientTypedSample.Databases"]);
        Assert.Equal([$"M {Owner}::get_Producer():Confluent.Kafka.ProducerConfig", $"M {Owner}::set_Producer(Confluent.Kafka.ProducerConfig):Void"], entries["ClientTypedSample.Producer"]);
    }
}

// A signature sample for the scan: the shapes matter, not the bodies.
public class ClientTypedSample
{
    public static readonly IDatabase[] Databases = [];

    public ClientTypedSample(Func<IServiceProvider, IConnectionMultiplexer> connect)
    {
    }

    public ClientTypedSample(string name)
    {
    }

    public event Action<Headers>? OnHeaders;

    public ProducerConfig Producer { get; set; } = new();

    public string Name { get; set; } = string.Empty;

    public void Use(Action<Headers> configure, params int[] ignored) => OnHeaders?.Invoke([]);

    public bool TryRead(string key, out RedisValue value)
    {
        value = RedisValue.Null;
        return false;
    }

    public T Pick<T>()
        where T : IConnectionMultiplexer
        => throw new NotSupportedException();

    public IConnectionMultiplexer Connection() => throw new NotSupportedException();

    public void Plain(int value)
    {
    }

    internal void Internal(IDatabase database)
    {
    }

    protected void ProtectedUse(IDatabase database)
    {
    }
}
