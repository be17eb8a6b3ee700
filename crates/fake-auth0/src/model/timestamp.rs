//! Auth0 renders every date as ISO 8601 UTC with milliseconds (`2024-03-01T08:00:00.000Z`).

use time::{OffsetDateTime, UtcOffset};

pub(crate) fn iso(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// Seconds since the epoch, as JWT `iat`/`exp` and `x-ratelimit-reset` want them.
pub(crate) fn unix_now() -> u64 {
    u64::try_from(OffsetDateTime::now_utc().unix_timestamp()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    #[test]
    fn renders_milliseconds_and_z() {
        assert_eq!(
            super::iso(datetime!(2024-03-01 08:00:05.25 UTC)),
            "2024-03-01T08:00:05.250Z"
        );
    }
}
