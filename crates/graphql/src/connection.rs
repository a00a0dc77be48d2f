//! Relay-style connections over the services' pages. A cursor is the
//! opaque base64 of a row's offset; `after: cursor` starts at the next row.

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{OutputType, SimpleObject};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use taquilla_core::page::{Page, PageRequest, DEFAULT_PER_PAGE};
use taquilla_core::Error;

use crate::error::{to_gql, Args, GqlResult, ResultExt};

/// Fields every connection carries besides `edges` and `pageInfo`.
#[derive(SimpleObject, Clone)]
pub struct Totals {
    /// Items matching, over all pages.
    pub total_count: u64,
}

pub type Conn<T> = Connection<String, T, Totals, EmptyFields>;

const PREFIX: &str = "offset:";

pub(crate) fn encode_cursor(offset: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{PREFIX}{offset}"))
}

fn decode_cursor(cursor: &str) -> Option<u64> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim_end_matches('=')).ok()?;
    String::from_utf8(bytes).ok()?.strip_prefix(PREFIX)?.parse().ok()
}

/// The page a `first` / `after` pair asks for. Default 20, at most 100 —
/// the same bounds as REST's `per_page` (the rule is `PageRequest`'s).
pub(crate) fn window(first: Option<i32>, after: Option<&str>) -> GqlResult<PageRequest> {
    let offset = match after {
        None => 0,
        Some(c) => decode_cursor(c).map(|o| o + 1).ok_or_else(|| {
            to_gql(&Error::validation("after", "invalid_cursor", "not a cursor of this connection"), Args::Top)
        })?,
    };
    let limit = match first {
        None => DEFAULT_PER_PAGE,
        Some(n) => u64::try_from(n).unwrap_or(0),
    };
    PageRequest::window(offset, limit).gql_args(Args::Renamed(&[("limit", "first"), ("offset", "after")]))
}

/// A connection of one page of `T`s as `U`s.
pub(crate) fn connection<T, U: OutputType>(page: Page<T>, req: PageRequest, map: impl Fn(T) -> U) -> Conn<U> {
    let start = req.offset();
    let n = page.items.len() as u64;
    let mut conn =
        Connection::with_additional_fields(start > 0, start + n < page.total, Totals { total_count: page.total });
    conn.edges.extend(
        page.items.into_iter().enumerate().map(|(i, item)| Edge::new(encode_cursor(start + i as u64), map(item))),
    );
    conn
}

/// Complexity of a connection field: its page size times a node's cost.
pub(crate) fn page_cost(first: Option<i32>, child: usize) -> usize {
    let n = first.map_or(DEFAULT_PER_PAGE as usize, |n| usize::try_from(n).unwrap_or(0).clamp(1, 100));
    n.saturating_mul(child).saturating_add(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        assert_eq!(decode_cursor(&encode_cursor(41)), Some(41));
        assert_eq!(decode_cursor("nonsense"), None);
        let w = window(Some(5), Some(&encode_cursor(9))).ok().map(|w| (w.offset(), w.per_page));
        assert_eq!(w, Some((10, 5)));
    }
}
