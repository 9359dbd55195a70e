using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Scalable.Messaging.Tests;

public sealed class RegistrationTests
{
    [Fact]
    public void AddScalableMessaging_rejects_a_null_service_collection()
    {
        var error = Assert.Throws<ArgumentNullException>(() => ScalableMessagingServiceCollectionExtensions.AddScalableMessaging(null!, _ => { }));
        Assert.Equal("services", error.ParamName);
    }

    [Theory]
    [InlineData("schema", "Schema 'Bad-Name;drop'")]
    [InlineData("prefix", "TablePrefix 'outbox x'")]
    [InlineData("connection", "ConnectionString or DataSource must be set")]
    [InlineData("batch", "BatchSize must be between 1 and 50000 (was 0)")]
    [InlineData("acks", "Producer.Acks must stay All")]
    [InlineData("idempotence", "Producer.EnableIdempotence must stay true")]
    [InlineData("in-flight", "Producer.MaxInFlight must be between 1 and 5 (was 6)")]
    [InlineData("bootstrap", "Producer.BootstrapServers must be set")]
    [InlineData("buckets", "BucketsPerClaim must be between 1 and BucketCount")]
    [InlineData("payload", "MaxPayloadBytes (1048576) must be at most Producer.MessageMaxBytes (message.max.bytes, 1000000) minus 16384 bytes")]
    [InlineData("payload-vs-producer", "MaxPayloadBytes (900000) must be at most Producer.MessageMaxBytes (message.max.bytes, 500000) minus 16384 bytes")]
    public async Task Invalid_options_fail_the_host_at_start_naming_the_setting(string broken, string expected)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddScalableMessaging(options =>
        {
            options.ConnectionString = "Host=127.0.0.1;Port=9;Database=none";
            options.Producer = new ProducerConfig { BootstrapServers = "127.0.0.1:9" };
            Break(options, broken);
        });
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Registering_an_outbox_name_twice_adds_one_relay_host()
    {
        var services = new ServiceCollection();
        services.AddScalableMessaging(o => o.ConnectionString = "Host=a").AddOutbox("", o => o.BatchSize = 10).AddOutbox("shard1", o => o.ConnectionString = "Host=b");
        services.ConfigureAll<ScalableMessagingOptions>(o => o.Producer.BootstrapServers = "kafka:9092");

        Assert.Equal(2, services.Count(d => d.ServiceType == typeof(IHostedService)));
        using var provider = services.BuildServiceProvider();
        Assert.Equal(10, provider.GetRequiredService<IOptionsMonitor<ScalableMessagingOptions>>().Get("").BatchSize);
        Assert.Equal(["", "shard1"], provider.GetRequiredService<IOutboxProvider>().Names.Order());
        Assert.Throws<ArgumentException>(() => provider.GetRequiredService<IOutboxProvider>().GetOutbox("shard2"));
    }

    private static void Break(ScalableMessagingOptions options, string broken)
    {
        switch (broken)
        {
            case "schema": options.Schema = "Bad-Name;drop"; break;
            case "prefix": options.TablePrefix = "outbox x"; break;
            case "connection": options.ConnectionString = null; break;
            case "batch": options.BatchSize = 0; break;
            case "acks": options.Producer.Acks = Acks.Leader; break;
            case "idempotence": options.Producer.EnableIdempotence = false; break;
            case "in-flight": options.Producer.MaxInFlight = 6; break;
            case "bootstrap": options.Producer.BootstrapServers = null; break;
            case "buckets": options.BucketsPerClaim = options.BucketCount + 1; break;
            case "payload": options.MaxPayloadBytes = 1024 * 1024; break;
            case "payload-vs-producer": options.Producer.MessageMaxBytes = 500_000; break;
            default: throw new ArgumentOutOfRangeException(nameof(broken));
        }
    }
}
