using Scalable.Sharding;

namespace Scalable.Samples.UsersApi;

/// <summary>
/// The read-your-writes token over HTTP: a write answers with it in the <see cref="Header"/> header and the <see cref="Cookie"/>
/// cookie; a request that sends either back reads from a standby only if it has replayed those writes, else from the primary.
/// </summary>
internal static class ReadYourWritesHttp
{
    public const string Header = ReadYourWritesToken.HeaderName;
    public const string Cookie = "scalable-rw";

    // After ReplicaReads.MaxLag (5 s) every standby in use has the write anyway; the cookie outlives that with room to spare.
    private static readonly TimeSpan CookieLifetime = TimeSpan.FromSeconds(30);

    /// <summary>Reads the request's token (the header, else the cookie) for the endpoint; a malformed one is a 400 problem, never a 500.</summary>
    public static async ValueTask<object?> FilterAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var text = http.Request.Headers.TryGetValue(Header, out var header) ? header.ToString() : http.Request.Cookies[Cookie];
        try
        {
            http.Items[typeof(ReadYourWritesToken)] = ReadYourWritesToken.Parse(text);
        }
        catch (FormatException ex)
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { [Header] = [ex.Message] },
                detail: $"Send back the {Header} header (or {Cookie} cookie) exactly as a write returned it, or leave it out.");
        }

        return await next(context);
    }

    /// <summary>Gets the token the request carried (empty when it carried none).</summary>
    public static ReadYourWritesToken Seen(HttpContext http)
        => http.Items.TryGetValue(typeof(ReadYourWritesToken), out var token) && token is ReadYourWritesToken seen ? seen : ReadYourWritesToken.None;

    /// <summary>Answers a write with the request's token combined with the write's, so a client that always sends back the last one reads every write it made.</summary>
    public static void Issue(HttpContext http, ReadYourWritesToken written)
    {
        var token = Seen(http).Combine(written);
        if (token.IsEmpty)
        {
            return;
        }

        var text = token.ToString();
        http.Response.Headers[Header] = text;
        http.Response.Cookies.Append(Cookie, text, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Lax, MaxAge = CookieLifetime, Path = "/" });
    }
}
