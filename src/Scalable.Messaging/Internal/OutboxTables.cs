namespace Scalable.Messaging.Internal;

// The quoted, validated names of one outbox's tables and its notification channel.
internal sealed class OutboxTables
{
    public const int LongestSuffixLength = 13; // "_dead_letters"

    public OutboxTables(string schema, string prefix)
    {
        var quotedSchema = SqlIdentifier.Quote(schema);
        Schema = quotedSchema;
        Messages = $"{quotedSchema}.{SqlIdentifier.Quote(prefix + "_messages")}";
        DeadLetters = $"{quotedSchema}.{SqlIdentifier.Quote(prefix + "_dead_letters")}";
        HeldKeys = $"{quotedSchema}.{SqlIdentifier.Quote(prefix + "_held_keys")}";
        Processed = $"{quotedSchema}.{SqlIdentifier.Quote(prefix + "_processed")}";
        Version = $"{quotedSchema}.{SqlIdentifier.Quote(prefix + "_schema")}";
        NotifyFunction = $"{quotedSchema}.{SqlIdentifier.Quote(prefix + "_notify")}";
        Channel = $"{schema}_{prefix}".Length <= SqlIdentifier.MaxLength ? $"{schema}_{prefix}" : $"outbox_{StableHash.Of(schema + "." + prefix):x8}";
        LockSpace = (int)StableHash.Of(schema + "." + prefix);
        KeyLockSpace = (int)StableHash.Of(schema + "." + prefix + ".keys");
    }

    public string Schema { get; }

    public string Messages { get; }

    public string DeadLetters { get; }

    public string HeldKeys { get; }

    public string Processed { get; }

    public string Version { get; }

    public string NotifyFunction { get; }

    public string Channel { get; }

    public int LockSpace { get; }

    // Advisory locks (KeyLockSpace, hash of key) serialize the enqueuing transactions of one key.
    public int KeyLockSpace { get; }

    public static bool FitsPrefix(string prefix) => prefix.Length + LongestSuffixLength <= SqlIdentifier.MaxLength;
}
