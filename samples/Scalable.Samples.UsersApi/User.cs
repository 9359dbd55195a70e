namespace Scalable.Samples.UsersApi;

/// <summary>A stored user.</summary>
/// <param name="Id">The user id.</param>
/// <param name="Name">The display name.</param>
/// <param name="Email">The e-mail address.</param>
public sealed record User(Guid Id, string Name, string Email);

/// <summary>The body of a create-user request.</summary>
/// <param name="Name">The display name.</param>
/// <param name="Email">The e-mail address.</param>
public sealed record NewUser(string Name, string Email);
