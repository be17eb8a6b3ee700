//! How a match, or the value at a field path, is hidden.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// `redact` → `[email]` (`[masked]` at a field path); `partial` → a hint such as `j***@example.com`;
/// `drop` → the member or element goes; `pseudonym` → `pii:<kind>:<token>`, which the model can
/// pass back and the gateway resolves.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Redact,
    Partial,
    Drop,
    Pseudonym,
}

impl Mode {
    pub const NAMES: [&'static str; 4] = ["redact", "partial", "drop", "pseudonym"];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Redact => "redact",
            Mode::Partial => "partial",
            Mode::Drop => "drop",
            Mode::Pseudonym => "pseudonym",
        }
    }
}

impl FromStr for Mode {
    type Err = String;

    fn from_str(s: &str) -> Result<Mode, String> {
        match s {
            "redact" => Ok(Mode::Redact),
            "partial" => Ok(Mode::Partial),
            "drop" => Ok(Mode::Drop),
            "pseudonym" => Ok(Mode::Pseudonym),
            other => Err(format!(
                "`{other}` is not a mode; use one of {}",
                Mode::NAMES.join(", ")
            )),
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
