//! Messages written for logs and JSON (explanations, next steps), shown on a page: their
//! `quoted` parts as code and a URL in them as a link. Only split here; the template
//! (`templates/macros.html`, `prose`) escapes every part.

/// One part of a message.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Part<'a> {
    Text(&'a str),
    Code(&'a str),
    Link(&'a str),
}

/// `text` with its `quoted` parts as code.
pub(crate) fn prose(text: &str) -> Vec<Part<'_>> {
    text.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                Part::Code(part)
            } else {
                Part::Text(part)
            }
        })
        .collect()
}

/// As [`prose`], with a URL in it (the `http://` one, else the `https://` one) as a link.
pub(crate) fn linked(text: &str) -> Vec<Part<'_>> {
    match text.find("http://").or_else(|| text.find("https://")) {
        Some(at) => {
            let (before, url) = text.split_at(at);
            let url = url.split_whitespace().next().unwrap_or(url);
            let after = &text[at + url.len()..];
            let mut parts = prose(before);
            parts.push(Part::Link(url));
            parts.extend(prose(after));
            parts
        }
        None => prose(text),
    }
}

#[cfg(test)]
mod tests {
    use super::Part::{Code, Link, Text};
    use super::*;

    #[test]
    fn quoted_parts_are_code() {
        assert_eq!(
            prose("no tenant `acme` here"),
            [Text("no tenant "), Code("acme"), Text(" here")]
        );
        assert_eq!(prose("plain"), [Text("plain")]);
    }

    #[test]
    fn a_url_is_a_link_and_the_rest_stays_prose() {
        assert_eq!(
            linked("connect again: https://gw.example/connect/acme now, `fast`"),
            [
                Text("connect again: "),
                Link("https://gw.example/connect/acme"),
                Text(" now, "),
                Code("fast"),
                Text(""),
            ]
        );
        assert_eq!(linked("no link `here`"), prose("no link `here`"));
    }
}
