using Npgsql;

namespace Scalable.Messaging.Internal;

// One ConfigureDataSource callback, registered in DI, applied to every data source the package builds from a connection string.
internal sealed record DataSourceConfiguration(Action<string, NpgsqlDataSourceBuilder> Configure);
