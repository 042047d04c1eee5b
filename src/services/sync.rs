//! Change feeds for clients that mirror bidtrack: packages changed after an instant, and
//! packages deleted after an instant, each read a page at a time in (time, id) order from an
//! opaque cursor. The position is kept (keyset paging), not a page number, so rows changed
//! between two pages are neither skipped nor repeated: a row changed after it was read comes
//! again later with its new version, at its new place in the order.

use super::{PageRequest, unknown_unit};
use crate::db;
use crate::error::{AppError, FieldError};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde::Deserialize;

/// Everything up to and including (`at`, `id`) in a feed's order has been read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub at: DateTime<Utc>,
    pub id: i64,
}

/// Which feed a cursor belongs to: one feed's cursor is refused by the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feed {
    Packages,
    Deletions,
}

impl Feed {
    const fn tag(self) -> u8 {
        match self {
            Feed::Packages => b'p',
            Feed::Deletions => b'd',
        }
    }
}

/// Tag, seconds, nanoseconds, id.
const CURSOR_BYTES: usize = 1 + 8 + 4 + 8;

impl Position {
    /// Strictly after the instant: past every row stamped at it, whatever its id.
    pub fn after(at: DateTime<Utc>) -> Self {
        Position { at, id: i64::MAX }
    }

    /// The stored instant exactly (nanoseconds on SQLite, microseconds on PostgreSQL), so the
    /// next page starts right after the last row read, on either engine.
    pub fn encode(self, feed: Feed) -> String {
        let mut bytes = Vec::with_capacity(CURSOR_BYTES);
        bytes.push(feed.tag());
        bytes.extend_from_slice(&self.at.timestamp().to_be_bytes());
        bytes.extend_from_slice(&self.at.timestamp_subsec_nanos().to_be_bytes());
        bytes.extend_from_slice(&self.id.to_be_bytes());
        URL_SAFE_NO_PAD.encode(bytes)
    }

    pub fn decode(cursor: &str, feed: Feed) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(cursor.trim()).ok()?;
        if bytes.len() != CURSOR_BYTES || bytes[0] != feed.tag() {
            return None;
        }
        let secs = i64::from_be_bytes(bytes[1..9].try_into().ok()?);
        let nanos = u32::from_be_bytes(bytes[9..13].try_into().ok()?);
        let id = i64::from_be_bytes(bytes[13..21].try_into().ok()?);
        // No leap-second nanoseconds: bidtrack never stamps one.
        if nanos >= 1_000_000_000 {
            return None;
        }
        let at = DateTime::from_timestamp(secs, nanos).filter(|t| in_range(*t))?;
        Some(Position { at, id })
    }
}

/// Instants a stamp can have (years 1–9999): within both engines' range and four-digit years,
/// so SQLite's text stamps keep comparing as the instants they are.
fn in_range(t: DateTime<Utc>) -> bool {
    use chrono::Datelike;
    (1..=9999).contains(&t.year())
}

/// An RFC 3339 instant from a query parameter, or a 422 naming it.
fn instant(parameter: &str, value: &str) -> Result<DateTime<Utc>, AppError> {
    DateTime::parse_from_rfc3339(value.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
        // A leap second (`23:59:60`) is no stamp bidtrack writes, and no cursor could name it.
        .filter(|t| in_range(*t) && t.timestamp_subsec_nanos() < 1_000_000_000)
        .ok_or_else(|| {
            AppError::Validation(vec![FieldError::new(
                parameter,
                "invalid_date",
                format!(
                    "{parameter} phải là một thời điểm theo RFC 3339 có múi giờ, ví dụ \
                     2026-12-01T08:00:00+07:00 hoặc 2026-12-01T01:00:00Z"
                ),
            )])
        })
}

fn position_of(cursor: &str, feed: Feed) -> Result<Position, AppError> {
    Position::decode(cursor, feed).ok_or_else(|| {
        AppError::Validation(vec![FieldError::new(
            "cursor",
            "invalid_cursor",
            "cursor không hợp lệ: hãy gửi lại đúng next_cursor của trang trước (mỗi danh sách \
             có cursor riêng)",
        )])
    })
}

/// The later of a start instant and a cursor: both may be sent, and neither goes backwards.
fn start(
    since: (&str, Option<&str>),
    cursor: Option<&str>,
    feed: Feed,
) -> Result<Option<Position>, AppError> {
    let since = since
        .1
        .map(|v| instant(since.0, v).map(Position::after))
        .transpose()?;
    let cursor = cursor.map(|c| position_of(c, feed)).transpose()?;
    Ok(since.max(cursor))
}

/// `updated_since` and `cursor` of the package list: with either, the list is a change feed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesRequest {
    /// Only packages changed (created, edited, moved) strictly after this instant (RFC 3339 with
    /// a time zone), in the order (`updated_at`, `id`); the answer carries `next_cursor`
    /// instead of `page` and `total`.
    #[param(value_type = Option<DateTime<Utc>>)]
    pub updated_since: Option<String>,
    /// `next_cursor` of the previous page (or of the last sync: a cursor stays valid): go on
    /// from there, in the order (`updated_at`, `id`).
    pub cursor: Option<String>,
}

impl ChangesRequest {
    /// Where the feed starts, or `None` for the ordinary paged list.
    pub fn start(&self) -> Result<Option<Position>, AppError> {
        start(
            ("updated_since", self.updated_since.as_deref()),
            self.cursor.as_deref(),
            Feed::Packages,
        )
    }
}

/// The filter of the deletions feed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeletionsRequest {
    /// Only packages deleted strictly after this instant (RFC 3339 with a time zone).
    #[param(value_type = Option<DateTime<Utc>>)]
    pub deleted_since: Option<String>,
    /// `next_cursor` of the previous page (or of the last sync).
    pub cursor: Option<String>,
    /// Packages that belonged to this unit or a unit below it when they were deleted.
    pub unit_id: Option<i64>,
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<u64>,
}

/// A page of a feed: its items, where the next page starts, and whether one already waits.
#[derive(Debug, Clone)]
pub struct FeedPage<T> {
    pub items: Vec<T>,
    pub per_page: u64,
    /// After the last item, or where the page started when it is empty: a client that keeps
    /// it resumes there next time.
    pub next: Position,
    pub has_more: bool,
}

impl<T> FeedPage<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> FeedPage<U> {
        FeedPage {
            items: self.items.into_iter().map(f).collect(),
            per_page: self.per_page,
            next: self.next,
            has_more: self.has_more,
        }
    }

    /// `rows` read with a limit of `per_page + 1`: the extra row only says there is more.
    pub fn from_rows(
        mut rows: Vec<T>,
        per_page: u64,
        from: Position,
        at: impl Fn(&T) -> Position,
    ) -> Self {
        let has_more = rows.len() as u64 > per_page;
        rows.truncate(per_page as usize);
        FeedPage {
            next: rows.last().map_or(from, at),
            items: rows,
            per_page,
            has_more,
        }
    }
}

/// The cursor paging of a feed: `per_page` as in every list; `page` has no meaning here.
pub fn feed_page(page: PageRequest) -> Result<u64, AppError> {
    if page.page.is_some() {
        return Err(AppError::Validation(vec![FieldError::new(
            "page",
            "not_with_cursor",
            "Khi đọc theo updated_since hoặc cursor, trang tiếp theo lấy bằng next_cursor, \
             không dùng page",
        )]));
    }
    Ok(page.resolve()?.1)
}

/// A package that was deleted, as the deletions feed tells it.
#[derive(Debug, Clone)]
pub struct Deletion {
    pub id: i64,
    pub unit_id: i64,
    pub deleted_at: DateTime<Utc>,
}

/// Packages deleted after a position. Every signed-in user reads every package (any role), so
/// every deletion is theirs to know; what is kept of the package beyond its id, unit and time
/// (its fields, who deleted it) stays in the audit trail, which only administrators and finance
/// read.
pub async fn deletions(
    db: &impl ConnectionTrait,
    request: DeletionsRequest,
) -> Result<FeedPage<Deletion>, AppError> {
    let per_page = feed_page(PageRequest {
        page: None,
        per_page: request.per_page,
    })?;
    let from = start(
        ("deleted_since", request.deleted_since.as_deref()),
        request.cursor.as_deref(),
        Feed::Deletions,
    )?;
    let units = match request.unit_id {
        Some(root) => {
            if db::units::find(db, root).await?.is_none() {
                return Err(AppError::Validation(vec![unknown_unit("unit_id", root)]));
            }
            Some(db::compliance::Subtree::of(db, root).await?)
        }
        None => None,
    };
    let rows =
        db::packages::deletions(db, units.as_ref(), from.map(|p| (p.at, p.id)), per_page + 1)
            .await?;
    let rows = rows
        .into_iter()
        .map(|d| Deletion {
            id: d.id,
            unit_id: d.unit_id,
            deleted_at: d.deleted_at,
        })
        .collect();
    // Before the first deletion: an empty first page resumes from the very start.
    let origin = Position {
        at: earliest(),
        id: i64::MIN,
    };
    Ok(FeedPage::from_rows(
        rows,
        per_page,
        from.unwrap_or(origin),
        |d: &Deletion| Position {
            at: d.deleted_at,
            id: d.id,
        },
    ))
}

/// The first instant a cursor can name (year 1).
fn earliest() -> DateTime<Utc> {
    DateTime::from_timestamp(-62_135_596_800, 0).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_exactly_and_refuse_anything_else() {
        let at = DateTime::parse_from_rfc3339("2026-12-06T12:07:16.123456789Z")
            .expect("instant")
            .with_timezone(&Utc);
        for p in [
            Position { at, id: 7 },
            Position::after(at),
            Position {
                at: earliest(),
                id: i64::MIN,
            },
        ] {
            let c = p.encode(Feed::Packages);
            assert_eq!(Position::decode(&c, Feed::Packages), Some(p), "{c}");
            assert_eq!(Position::decode(&c, Feed::Deletions), None, "{c}");
        }
        let good = Position { at, id: 7 }.encode(Feed::Packages);
        for bad in [
            "",
            "x",
            "!!!!",
            &good[1..],
            &format!("{good}A"),
            "cDAwMDAwMDAwMDAwMDAwMDAwMDAw",
        ] {
            assert_eq!(Position::decode(bad, Feed::Packages), None, "{bad}");
        }
        // Nanoseconds past a second, a year past 9999.
        let mut bytes = vec![b'p'];
        bytes.extend_from_slice(&0i64.to_be_bytes());
        bytes.extend_from_slice(&1_000_000_000u32.to_be_bytes());
        bytes.extend_from_slice(&1i64.to_be_bytes());
        assert_eq!(
            Position::decode(&URL_SAFE_NO_PAD.encode(&bytes), Feed::Packages),
            None
        );
        let mut bytes = vec![b'p'];
        bytes.extend_from_slice(&300_000_000_000i64.to_be_bytes());
        bytes.extend_from_slice(&0u32.to_be_bytes());
        bytes.extend_from_slice(&1i64.to_be_bytes());
        assert_eq!(
            Position::decode(&URL_SAFE_NO_PAD.encode(&bytes), Feed::Packages),
            None
        );
    }

    #[test]
    fn instants_need_a_time_zone_and_the_later_start_wins() {
        assert!(instant("updated_since", "2026-12-01T08:00:00+07:00").is_ok());
        assert!(instant("updated_since", "2026-12-01t01:00:00z").is_ok());
        for bad in [
            "2026-12-01",
            "2026-12-01T08:00:00",
            "yesterday",
            "",
            "0000-01-01T00:00:00Z",
        ] {
            assert!(instant("updated_since", bad).is_err(), "{bad}");
        }
        let early = Position::after(earliest());
        let late = Position {
            at: DateTime::from_timestamp(1_800_000_000, 0).expect("instant"),
            id: 3,
        };
        let cursor = late.encode(Feed::Packages);
        assert_eq!(
            start(
                ("updated_since", Some("2001-01-01T00:00:00Z")),
                Some(&cursor),
                Feed::Packages
            )
            .expect("start"),
            Some(late)
        );
        assert!(early < late);
    }
}
