//! Keeping secrets out of tool results that are not about secrets: identity-provider tokens
//! appear only through `auth0_get_user_idp_tokens`, and application secrets, keys and add-on
//! credentials never. Auth0 itself omits IdP tokens and client keys unless the token has the
//! extra scopes (read:user_idp_tokens, read:client_keys), so for them this is the second lock;
//! add-ons (Firebase keys, Azure SAS keys, …) Auth0 returns to any `read:clients` token, so for
//! them this is the only one. Applied to every result whatever was granted, whatever `fields`
//! asked for.

use gw_auth0::{Client, User};

/// The user without its identities' IdP tokens.
pub(crate) fn without_idp_tokens(mut user: User) -> User {
    user.redact_idp_tokens();
    user
}

/// The application with its secret, keys, authentication methods and add-on secrets masked.
pub(crate) fn without_client_secrets(mut client: Client) -> Client {
    client.redact_secrets();
    client
}
