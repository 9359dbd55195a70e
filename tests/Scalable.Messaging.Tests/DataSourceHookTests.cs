using Microsoft.Extensions.DependencyInjection;
using Scalable.Messaging.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Messaging.Tests;

public sealed class DataSourceHookTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task ConfigureDataSource_is_applied_to_each_outboxs_data_source_with_its_name()
    {
        var services = new ServiceCollection();
        services.AddScalableMessaging()
            .AddOutbox("shard1", o => (o.ConnectionString, o.RelayCount) = (postgres.Server.AdminConnectionString, 0))
            .AddOutbox("shard2", o => (o.ConnectionString, o.RelayCount) = (postgres.Server.AdminConnectionString, 0))
            .ConfigureDataSource((name, builder) => builder.ConnectionStringBuilder.ApplicationName = $"hooked-{name}");
        await using var provider = services.BuildServiceProvider();
        var outboxes = provider.GetRequiredService<IOutboxProvider>();

        foreach (var name in new[] { "shard1", "shard2" })
        {
            var applicationName = await TestOutbox.ScalarAsync<string>(outboxes.GetOutbox(name).DataSource, "SELECT current_setting('application_name')");
            Assert.Equal($"hooked-{name}", applicationName);
        }
    }
}
