//! Weekly time windows in a time zone ("Monday to Friday, 09:00–18:00, Europe/Berlin").

use jiff::Timestamp;
use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;

#[derive(Debug, Clone)]
pub(crate) struct Hours {
    pub days: Vec<Weekday>,
    pub from: Time,
    pub to: Time,
    pub time_zone: TimeZone,
}

impl Hours {
    /// Whether `now` falls in the window. A window whose end is before its start runs over
    /// midnight; its hours after midnight belong to the day it started on.
    pub(crate) fn contains(&self, now: Timestamp) -> bool {
        let local = now.to_zoned(self.time_zone.clone());
        let (day, time) = (local.weekday(), local.time());
        if self.from < self.to {
            self.days.contains(&day) && self.from <= time && time < self.to
        } else {
            (self.days.contains(&day) && time >= self.from)
                || (self.days.contains(&day.previous()) && time < self.to)
        }
    }
}

impl std::fmt::Display for Hours {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let days: Vec<&str> = self.days.iter().map(|d| day_name(*d)).collect();
        let time = |t: Time| {
            if t == Time::MAX {
                "24:00".to_owned()
            } else {
                format!("{:02}:{:02}", t.hour(), t.minute())
            }
        };
        write!(
            f,
            "{} {}–{} ({})",
            days.join(", "),
            time(self.from),
            time(self.to),
            self.time_zone.iana_name().unwrap_or("UTC")
        )
    }
}

fn day_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Monday => "mon",
        Weekday::Tuesday => "tue",
        Weekday::Wednesday => "wed",
        Weekday::Thursday => "thu",
        Weekday::Friday => "fri",
        Weekday::Saturday => "sat",
        Weekday::Sunday => "sun",
    }
}

pub(crate) fn parse_day(text: &str) -> Option<Weekday> {
    Some(match text.to_ascii_lowercase().as_str() {
        "mon" => Weekday::Monday,
        "tue" => Weekday::Tuesday,
        "wed" => Weekday::Wednesday,
        "thu" => Weekday::Thursday,
        "fri" => Weekday::Friday,
        "sat" => Weekday::Saturday,
        "sun" => Weekday::Sunday,
        _ => return None,
    })
}

/// `HH:MM`, 00:00 to 24:00 (24:00 is the end of the day).
pub(crate) fn parse_time(text: &str) -> Option<Time> {
    let (h, m) = text.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (i8, i8) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) => Some(Time::MAX),
        (0..=23, 0..=59) => Time::new(h, m, 0, 0).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn office(tz: &str, from: &str, to: &str) -> Hours {
        Hours {
            days: ["mon", "tue", "wed", "thu", "fri"]
                .iter()
                .map(|d| parse_day(d).unwrap())
                .collect(),
            from: parse_time(from).unwrap(),
            to: parse_time(to).unwrap(),
            time_zone: TimeZone::get(tz).unwrap(),
        }
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn office_hours_are_judged_in_their_time_zone() {
        let berlin = office("Europe/Berlin", "09:00", "18:00");
        // 2026-11-30 is a Monday; Berlin is UTC+1 in winter.
        assert!(berlin.contains(at("2026-11-30T08:00:00Z")));
        assert!(!berlin.contains(at("2026-11-30T07:59:00Z")));
        assert!(!berlin.contains(at("2026-11-30T17:00:00Z")));
        // Saturday is not a working day.
        assert!(!berlin.contains(at("2026-12-05T10:00:00Z")));
        // Summer time: UTC+2.
        assert!(berlin.contains(at("2026-06-01T07:00:00Z")));
    }

    #[test]
    fn a_window_ending_before_it_starts_runs_over_midnight() {
        let night = office("UTC", "22:00", "06:00");
        assert!(night.contains(at("2026-11-30T23:00:00Z"))); // Monday night
        assert!(night.contains(at("2026-12-01T05:00:00Z"))); // early Tuesday, Monday's shift
        assert!(!night.contains(at("2026-11-30T05:00:00Z"))); // early Monday, Sunday's shift
        assert!(night.contains(at("2026-12-05T05:00:00Z"))); // early Saturday, Friday's shift
        assert!(!night.contains(at("2026-12-05T23:00:00Z"))); // Saturday night
    }

    #[test]
    fn times_are_hh_mm() {
        assert!(parse_time("09:00").is_some());
        assert_eq!(parse_time("24:00"), Some(Time::MAX));
        for bad in ["9:00", "25:00", "12:60", "noon", "12:00:00", "24:01"] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }
}
