//! Identifiers shaped like Auth0's, so that clients that check prefixes or lengths see what
//! they would see on a real tenant.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng;
use time::OffsetDateTime;

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

pub(crate) fn random_alnum(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(ALNUM[rng.random_range(0..ALNUM.len())]))
        .collect()
}

fn random_hex(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16)]))
        .collect()
}

/// `auth0|` + 24 hex digits, like a database user created through the Management API.
pub(crate) fn new_user_local_id() -> String {
    random_hex(24)
}

pub(crate) fn new_org_id() -> String {
    format!("org_{}", random_alnum(16))
}

pub(crate) fn new_role_id() -> String {
    format!("rol_{}", random_alnum(16))
}

/// An unguessable opaque value (authorization codes, refresh tokens).
pub(crate) fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill(&mut buf[..]);
    URL_SAFE_NO_PAD.encode(buf)
}

/// A 56-digit log id whose string order is date order: `900`, the UTC date to the
/// millisecond, then a tenant-wide sequence number that breaks ties.
pub(crate) fn log_id(date: OffsetDateTime, seq: u64) -> String {
    let d = date.to_offset(time::UtcOffset::UTC);
    format!(
        "900{:04}{:02}{:02}{:02}{:02}{:02}{:03}{:036}",
        d.year(),
        u8::from(d.month()),
        d.day(),
        d.hour(),
        d.minute(),
        d.second(),
        d.millisecond(),
        seq
    )
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    #[test]
    fn log_ids_sort_by_date_then_sequence() {
        let a = super::log_id(datetime!(2024-01-01 00:00 UTC), 9);
        let b = super::log_id(datetime!(2024-01-01 00:00:00.001 UTC), 1);
        let c = super::log_id(datetime!(2024-01-01 00:00:00.001 UTC), 2);
        assert_eq!(a.len(), 56);
        assert!(a < b && b < c);
    }
}
