using Backoffice.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.Identity.Web;

namespace Backoffice.Api.Auth;

public static class AuthExtensions
{
    /// <summary>The policy on the whole <c>/admin</c> group.</summary>
    public const string LookupPolicy = "AdminLookup";

    /// <summary>
    /// <c>Auth:Mode</c>/<c>AUTH_MODE</c> = <c>oidc</c>: bearer JWTs validated by Microsoft.Identity.Web
    /// when <c>AzureAd:ClientId</c> is set, else by JwtBearer against <c>Auth:Authority</c>; either
    /// way hardened by <see cref="HardenedJwtBearerOptions"/>. <c>disabled</c>: everyone is
    /// anonymous; refused in Production. Invalid settings stop start-up with the key's name.
    /// </summary>
    public static IHostApplicationBuilder AddAdminAuthentication(this IHostApplicationBuilder builder)
    {
        var options = AdminAuthOptions.Read(builder.Configuration);
        var errors = options.Validate(builder.Environment);
        if (errors.Count > 0)
        {
            throw new InvalidSettingsException("Invalid authentication settings: " + string.Join(" ", errors));
        }

        builder.Services.AddSingleton(options);
        var authorization = builder.Services.AddAuthorizationBuilder();

        if (options.Mode == AuthModes.Disabled)
        {
            builder.Services.AddAuthentication();
            authorization.AddPolicy(LookupPolicy, policy => policy.RequireAssertion(static _ => true));
            return builder;
        }

        // No AddAuthenticationSchemes: the bearer scheme is the default one, so the authentication
        // middleware has already set the user; naming it again would authenticate every request a
        // second time and replace the user with a merged copy.
        authorization.AddPolicy(LookupPolicy, policy => policy
            .RequireAuthenticatedUser()
            .RequireAssertion(static context => AdminRoles.MayLookUp(context.User)));

        var authentication = builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme);
        if (options.UseEntra)
        {
            var entra = builder.Configuration.GetSection(AdminAuthOptions.EntraSectionName);
            authentication.AddMicrosoftIdentityWebApi(
                static _ => { },
                identity =>
                {
                    entra.Bind(identity);
                    // Without this Microsoft.Identity.Web answers 401 to a valid token that has no
                    // role; the contract wants 403 from our policy.
                    identity.AllowWebApiToBeAuthorizedByACL = true;
                },
                JwtBearerDefaults.AuthenticationScheme);
        }
        else
        {
            authentication.AddJwtBearer(jwt =>
            {
                jwt.Authority = options.Authority;
                jwt.Audience = options.Audience;
                jwt.RequireHttpsMetadata = options.RequireHttpsMetadata;
            });
        }

        builder.Services.AddSingleton<IPostConfigureOptions<JwtBearerOptions>, HardenedJwtBearerOptions>();
        return builder;
    }
}
