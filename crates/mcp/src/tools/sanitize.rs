//! Keeping secrets out of tool results that are not about secrets: identity-provider tokens
//! appear only through `auth0_get_user_idp_tokens`, and application secrets and keys never.
//! Auth0 itself omits them unless the token has the extra scopes (read:user_idp_tokens,
//! read:client_keys), so this is the second lock, applied to every result whatever was granted.

use gw_auth0::{Client, User};

/// The user without its identities' IdP tokens.
pub(crate) fn without_idp_tokens(mut user: User) -> User {
    user.redact_idp_tokens();
    user
}

/// The application with its secret, keys and authentication methods masked.
pub(crate) fn without_client_secrets(mut client: Client) -> Client {
    client.redact_secrets();
    client
}
