//! Data protection for tool results (issue 18): personal data in what the gateway returns —
//! Auth0 users, organisation members, log events — is hidden before it reaches a model provider,
//! and pseudonyms let the model keep working on what it cannot see.
//!
//! What it protects:
//! - **Values of known shapes, wherever they are**: e-mail addresses, phone numbers, IP addresses,
//!   payment card numbers (Luhn and issuer checked), IBANs (mod-97 checked), US SSNs, JWT-like
//!   tokens, and operators' own regexes, inside any string of a result, including free text
//!   (`description`, error messages, metadata).
//! - **Whole fields by their Auth0 path**, whatever they hold: `last_ip`, `location_info`,
//!   `user_metadata.*`, `identities[].profileData`, `details.request.ip`.
//! - **Round trips**: in `pseudonym` mode a value becomes `pii:<kind>:<token>`, the value sealed
//!   with AES-SIV under the tenant's key. The same value always gets the same pseudonym (the model
//!   can tell three log events are one user's), any replica can open it (no table), and a token
//!   altered, moved to another kind, or sealed under another tenant's key does not open.
//!   [`resolve_pseudonyms`] puts the values back into a call's arguments.
//!
//! What it does not protect:
//! - **Free-form personal data without a shape**: names, nicknames, street addresses, user agents,
//!   city names are not detected; name their fields (`name`, `given_name`, `location_info`, …)
//!   to hide them.
//! - **Shapes it deliberately leaves out** to keep near-misses (order numbers, versions, dates,
//!   ids) untouched: phone numbers written as bare digits without `+`, SSNs without dashes,
//!   IBANs in lower case, e-mail addresses without a dotted domain (`user@localhost`).
//! - **Long values in `pseudonym` mode**: values over [`MAX_VALUE`] bytes are redacted instead.
//! - **Object keys**: only values are scanned (Auth0 keys are schema names, except in metadata,
//!   where a field path `user_metadata.*` hides the values).
//!
//! Pure and synchronous: no I/O, no clock. Detector quality is measured on a labelled corpus
//! (`tests/detector_quality.rs`); the cost in `mcp-bench masking`.

mod builtin;
mod detector;
mod field_path;
mod masker;
mod mode;
mod pseudonym;

pub use detector::{BUILTIN_NAMES, Detector};
pub use field_path::FieldPath;
pub use masker::{MASKED, Masked, Masker, Rule};
pub use mode::Mode;
pub use pseudonym::{
    MAX_VALUE, PseudonymError, PseudonymKey, Revealed, contains_pseudonym, resolve_pseudonyms,
};

/// The pseudonym kind, and the `Masked` count name, of values hidden by a field path.
pub const FIELD_KIND: &str = "field";
