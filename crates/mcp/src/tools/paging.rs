//! One opaque `cursor` argument over Auth0's two paging styles, and the list result every list
//! tool returns.

use gw_auth0::{Cursor, Offset, Page, PageRequest};
use schemars::JsonSchema;
use serde::Serialize;

use crate::error::ToolError;
use crate::render::Summary;

/// Auth0's default page size is half its maximum of 100.
pub(crate) const DEFAULT_PER_PAGE: u32 = 50;

/// Offset paging for lists Auth0 pages only by `page`/`per_page`.
pub(crate) fn offset(
    cursor: Option<&str>,
    page: Option<u32>,
    per_page: Option<u32>,
) -> Result<Offset, ToolError> {
    match resolve(cursor, page, per_page, false)? {
        PageRequest::Offset(offset) => Ok(offset),
        PageRequest::Checkpoint { .. } => Err(ToolError::InvalidArguments(
            "this cursor belongs to another list".into(),
        )),
    }
}

/// For lists that support both: an explicit `page` asks for offset paging (Auth0 caps it at
/// 1000 records), otherwise checkpoint paging, which has no cap.
pub(crate) fn page_request(
    cursor: Option<&str>,
    page: Option<u32>,
    per_page: Option<u32>,
) -> Result<PageRequest, ToolError> {
    resolve(cursor, page, per_page, true)
}

fn resolve(
    cursor: Option<&str>,
    page: Option<u32>,
    per_page: Option<u32>,
    checkpoint: bool,
) -> Result<PageRequest, ToolError> {
    match (cursor, page) {
        (Some(_), Some(_)) => Err(ToolError::InvalidArguments(
            "give either `cursor` (to continue a listing) or `page`, not both".into(),
        )),
        (Some(cursor), None) => {
            Cursor::decode(cursor).map_err(|_| ToolError::InvalidArguments("`cursor` is not a cursor this gateway issued; pass `next_cursor` from the previous result unchanged".into()))
        }
        (None, page) => {
            let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
            match page {
                None if checkpoint => Ok(PageRequest::Checkpoint { from: None, take: per_page }),
                page => Ok(PageRequest::Offset(Offset { page: page.unwrap_or(0), per_page })),
            }
        }
    }
}

/// A page of results.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct ListOutput<T: JsonSchema> {
    /// The results on this page.
    pub items: Vec<T>,
    /// How many results match in all, when Auth0 reports it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// Pass this back as `cursor` (with the same other arguments) to get the next page. Absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// Whether another page exists.
    pub has_more: bool,
}

impl<T: JsonSchema> ListOutput<T> {
    pub(crate) fn from_page<U>(page: Page<U>, map: impl FnMut(U) -> T) -> Self {
        let next_cursor = page.next.as_ref().map(Cursor::encode);
        ListOutput {
            items: page.items.into_iter().map(map).collect(),
            total: page.total,
            has_more: next_cursor.is_some(),
            next_cursor,
        }
    }
}

/// The plural noun a list summary uses.
pub(crate) trait Noun {
    const PLURAL: &'static str;
}

impl<T: JsonSchema + Noun> Summary for ListOutput<T> {
    fn summary(&self) -> String {
        let count = self.items.len();
        let total = self.total.map(|t| format!(" of {t}")).unwrap_or_default();
        let more = if self.has_more {
            "; more available: pass next_cursor as cursor"
        } else {
            "; no more results"
        };
        format!("{count}{total} {}{more}.", T::PLURAL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_wins_over_checkpoint_and_cursor_excludes_page() {
        assert!(matches!(
            page_request(None, Some(2), Some(10)).unwrap(),
            PageRequest::Offset(Offset {
                page: 2,
                per_page: 10
            })
        ));
        assert!(matches!(
            page_request(None, None, None).unwrap(),
            PageRequest::Checkpoint {
                from: None,
                take: 50
            }
        ));
        assert!(page_request(Some("x"), Some(1), None).is_err());
    }

    #[test]
    fn a_foreign_cursor_is_refused() {
        assert!(matches!(
            offset(Some("not-a-cursor"), None, None),
            Err(ToolError::InvalidArguments(_))
        ));
    }
}
