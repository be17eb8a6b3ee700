//! A string that must travel (in a request body or a deliberate tool result) but must never be
//! printed by accident: passwords, identity-provider tokens, client secrets.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A secret string whose `Debug` and `Display` print `[REDACTED]`.
///
/// Unlike a bare [`SecretString`] it *does* serialise to its value: a password has to reach the
/// request body, and an IdP token has to reach the one tool that exists to return it. Callers
/// that publish models decide what to mask (see `User::redact_idp_tokens` and
/// `Client::redact_secrets`).
#[derive(Clone)]
pub struct SensitiveString(SecretString);

impl SensitiveString {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(SecretString::from(value.into()))
    }

    /// The value itself; every use is a deliberate decision to handle the secret.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl From<String> for SensitiveString {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for SensitiveString {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl From<SecretString> for SensitiveString {
    fn from(value: SecretString) -> Self {
        Self(value)
    }
}

impl PartialEq for SensitiveString {
    fn eq(&self, other: &Self) -> bool {
        self.expose_secret() == other.expose_secret()
    }
}

impl fmt::Debug for SensitiveString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

impl fmt::Display for SensitiveString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

impl Serialize for SensitiveString {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose_secret())
    }
}

impl<'de> Deserialize<'de> for SensitiveString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::new)
    }
}

impl JsonSchema for SensitiveString {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "SensitiveString".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        String::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_redact_but_serde_keeps_the_value() {
        let s = SensitiveString::from("hunter2-very-secret");
        assert_eq!(format!("{s:?} {s}"), "[REDACTED] [REDACTED]");
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#""hunter2-very-secret""#
        );
        let back: SensitiveString = serde_json::from_str(r#""abc""#).unwrap();
        assert_eq!(back.expose_secret(), "abc");
    }
}
