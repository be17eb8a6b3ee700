//! Keeping secrets out of tool results that are not about secrets: identity-provider tokens
//! appear only through `auth0_get_user_idp_tokens`, and application secrets and keys never.
//! Auth0 itself omits them unless the token has the extra scopes, so this is the second lock.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

const IDP_TOKEN_FIELDS: &[&str] = &["access_token", "access_token_secret", "refresh_token"];
const CLIENT_SECRET_FIELDS: &[&str] = &["client_secret", "encryption_key", "signing_keys", "client_authentication_methods"];
pub(crate) const MASK: &str = "[masked by the gateway]";

/// Removes IdP tokens from a user's identities.
pub(crate) fn without_idp_tokens<T: Serialize + DeserializeOwned>(user: T) -> T {
    edit(user, |value| {
        if let Some(identities) = value.get_mut("identities").and_then(Value::as_array_mut) {
            for identity in identities.iter_mut().filter_map(Value::as_object_mut) {
                for field in IDP_TOKEN_FIELDS {
                    identity.remove(*field);
                }
            }
        }
    })
}

/// Masks an application's secret (keeping that it has one) and drops its keys.
pub(crate) fn without_client_secrets<T: Serialize + DeserializeOwned>(client: T) -> T {
    edit(client, |value| {
        let Some(object) = value.as_object_mut() else { return };
        for field in CLIENT_SECRET_FIELDS {
            match object.get(*field) {
                Some(Value::String(_)) => {
                    object.insert((*field).to_owned(), Value::String(MASK.to_owned()));
                }
                Some(_) => {
                    object.remove(*field);
                }
                None => {}
            }
        }
    })
}

fn edit<T: Serialize + DeserializeOwned>(item: T, change: impl FnOnce(&mut Value)) -> T {
    let mut value = serde_json::to_value(&item).expect("Auth0 models serialise");
    change(&mut value);
    // Removing optional fields from a model always decodes again; if a model type ever broke
    // that, failing closed (a panic in this call) is better than leaking.
    serde_json::from_value(value).expect("a sanitised Auth0 model decodes into its own type")
}
