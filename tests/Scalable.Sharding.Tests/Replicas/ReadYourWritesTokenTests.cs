namespace Scalable.Sharding.Tests.Replicas;

public sealed class ReadYourWritesTokenTests
{
    [Theory]
    [InlineData("users-eu", 0x16B374D848UL, "users-eu:16B374D848")]
    [InlineData("shard_0", 0UL, "shard_0:0")]
    [InlineData("a.b:c%d e", ulong.MaxValue, "a%2Eb%3Ac%25d%20e:FFFFFFFFFFFFFFFF")]
    [InlineData("zürich", 1UL, "z%C3%BCrich:1")]
    public void The_string_form_is_compact_header_and_cookie_safe_and_parses_back(string shard, ulong lsn, string text)
    {
        var token = ReadYourWritesToken.For(shard, lsn);

        Assert.Equal(text, token.ToString());
        Assert.DoesNotContain(text, c => c is ';' or ',' or '"' or '\\' or ' ' || char.IsControl(c) || c > 126);
        Assert.Equal(token, ReadYourWritesToken.Parse(text));
        Assert.Equal(lsn, ReadYourWritesToken.Parse(text).PositionFor(shard));
    }

    [Fact]
    public void Combining_keeps_the_later_position_per_shard_and_the_empty_token_asks_nothing()
    {
        var combined = ReadYourWritesToken.For("b", 5).Combine(ReadYourWritesToken.For("a", 9)).Combine(ReadYourWritesToken.For("b", 3));

        Assert.Equal("a:9.b:5", combined.ToString());
        Assert.Equal(combined, ReadYourWritesToken.Parse("b:5.a:9"));
        Assert.Null(combined.PositionFor("c"));
        Assert.True(ReadYourWritesToken.Parse(null).IsEmpty);
        Assert.True(ReadYourWritesToken.Parse(string.Empty).IsEmpty);
        Assert.Equal(string.Empty, ReadYourWritesToken.None.ToString());
        Assert.Equal(combined, combined.Combine(ReadYourWritesToken.None));
    }

    [Theory]
    [InlineData("abc", "is not 'shard:LSN'")]
    [InlineData("s:", "is not 'shard:LSN'")]
    [InlineData(":1A", "is not 'shard:LSN'")]
    [InlineData("s:XYZ", "not a hexadecimal LSN")]
    [InlineData("s:-1", "not a hexadecimal LSN")]
    [InlineData("s:11111111111111111", "at most 16 digits")]
    [InlineData("a b:1", "neither a letter")]
    [InlineData("a%2:1", "neither a letter")]
    [InlineData("a%FF:1", "neither a letter")]
    [InlineData("s:1.s:2", "appears twice")]
    [InlineData("s:1..t:2", "is not 'shard:LSN'")]
    public void A_malformed_token_is_refused_with_a_message_that_says_what_is_wrong(string text, string expected)
    {
        var error = Assert.Throws<FormatException>(() => ReadYourWritesToken.Parse(text));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.False(ReadYourWritesToken.TryParse(text, out var token));
        Assert.True(token.IsEmpty);
    }

    [Fact]
    public void An_overlong_token_is_refused_before_it_is_parsed()
    {
        var error = Assert.Throws<FormatException>(() => ReadYourWritesToken.Parse(new string('a', ReadYourWritesToken.MaxLength) + ":1"));

        Assert.Contains("more than 4096", error.Message, StringComparison.Ordinal);
    }
}
