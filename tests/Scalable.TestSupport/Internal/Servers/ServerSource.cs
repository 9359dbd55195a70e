namespace Scalable.TestSupport.Internal.Servers;

// Where a shared fixture's server comes from.
internal enum ServerSource
{
    // Named by a SCALABLE_TEST_* variable.
    External,

    // A Testcontainers container on the Docker engine that answered.
    Container,

    // A process started here (redis-server, initdb + pg_ctl, librdkafka's mock cluster).
    Local,
}
