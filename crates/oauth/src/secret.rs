//! Secret newtypes. Their `Debug` prints `[REDACTED]` (from `secrecy`) and they have no
//! `Display` or `Serialize`, so a secret cannot slip into a log line or a tool result by accident;
//! the raw value is reachable only through `expose_secret()` at the point of use.

use secrecy::{ExposeSecret, SecretString};

macro_rules! secret_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug)]
        pub struct $name(SecretString);

        impl $name {
            pub fn new(value: impl Into<String>) -> Self {
                Self(SecretString::from(value.into()))
            }

            pub fn expose_secret(&self) -> &str {
                self.0.expose_secret()
            }

            pub fn as_secret(&self) -> &SecretString {
                &self.0
            }
        }
    };
}

secret_newtype!(
    /// A tenant application's client secret.
    ClientSecret
);
secret_newtype!(
    /// A bearer token for Auth0's Management API.
    AccessToken
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let secret = ClientSecret::new("s3cr3t-value");
        let token = AccessToken::new("eyJhbGciOi.secret.part");
        assert!(!format!("{secret:?}").contains("s3cr3t"));
        assert!(!format!("{token:?}").contains("secret.part"));
        assert_eq!(secret.expose_secret(), "s3cr3t-value");
    }
}
