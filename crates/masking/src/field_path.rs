//! Auth0 field paths: `last_ip`, `user_metadata.*`, `identities[].profileData`,
//! `details.request.ip`. A path is relative to a record: the result itself or any element of a
//! list in it, so `last_ip` reaches `auth0_get_user`'s `last_ip` and every
//! `items[].last_ip` of `auth0_list_users` alike.

use std::fmt;

const MAX_PATH: usize = 256;
const MAX_STEPS: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// A member by name.
    Key(String),
    /// `*`: every member of an object.
    AnyKey,
    /// `[]`: every element of an array.
    Each,
}

/// A checked field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath {
    text: String,
    pub(crate) steps: Vec<Step>,
}

impl FieldPath {
    /// Parses `a.b`, `a.*`, `a[].b`, `a[][]`; names may hold anything but `.`, `[`, `]` and `*`.
    pub fn parse(text: &str) -> Result<FieldPath, String> {
        if text.is_empty() {
            return Err("a field path cannot be empty".to_owned());
        }
        if text.len() > MAX_PATH {
            return Err(format!("a field path is at most {MAX_PATH} characters"));
        }
        let mut steps = Vec::new();
        for part in text.split('.') {
            let mut name = part;
            let mut each = 0;
            while let Some(rest) = name.strip_suffix("[]") {
                name = rest;
                each += 1;
            }
            match name {
                "" if each == 0 => {
                    return Err(format!("`{text}` has an empty segment"));
                }
                "" if !steps.is_empty() => {
                    return Err(format!(
                        "`{text}`: `[]` follows a name, as in `identities[]`"
                    ));
                }
                "" => {}
                "*" => steps.push(Step::AnyKey),
                _ if name.contains(['[', ']', '*']) => {
                    return Err(format!(
                        "`{text}`: `{name}` is not a field name (`*` stands alone; `[]` ends a name)"
                    ));
                }
                _ => steps.push(Step::Key(name.to_owned())),
            }
            steps.extend(std::iter::repeat_n(Step::Each, each));
        }
        if steps.len() > MAX_STEPS {
            return Err(format!("`{text}` is deeper than {MAX_STEPS} steps"));
        }
        Ok(FieldPath {
            text: text.to_owned(),
            steps,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}
