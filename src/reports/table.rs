//! The one table definition every report writer reads: columns with Vietnamese headers and a
//! kind, rows of typed cells. Writers decide presentation (thousands separators, percent formats),
//! never figures.
//!
//! Machine forms (CSV, JSON) keep the decimal point and no grouping (`48.79`, `1234567000`);
//! pages and print use the Vietnamese forms of [`vi_percent`] and `group_thousands`
//! (`48,79%`, `1.234.567.000`).

use crate::domain::compliance::Percent;
use serde::Serialize;

/// How a column's values are typed and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Text,
    /// A count.
    Integer,
    /// A whole number that names rather than counts (an id, a year, a month, a version): never
    /// grouped in thousands, since 2019 is not "2.019".
    Code,
    /// An amount of money (in đồng, or in millions when the report says so).
    Money,
    /// A share, two decimals.
    Percent,
    Bool,
    Date,
    /// An instant, shown in Vietnam's time.
    DateTime,
}

#[derive(Debug, Clone, Serialize)]
pub struct Column {
    /// Stable snake_case key (JSON); built for reports whose columns depend on the data (one
    /// block per target in force).
    pub key: std::borrow::Cow<'static, str>,
    /// Vietnamese header (CSV, XLSX, HTML).
    pub header: String,
    pub kind: Kind,
    /// Totalled below the rows in XLSX and print (a list's money columns); reports that carry
    /// their own total rows leave it off.
    #[serde(skip)]
    pub summed: bool,
    /// On the printable page. A4 landscape holds about a dozen columns: a long list prints the
    /// ones a reader signs off, XLSX and CSV keep every column.
    #[serde(skip)]
    pub printed: bool,
}

impl Column {
    pub fn new(
        key: impl Into<std::borrow::Cow<'static, str>>,
        header: impl Into<String>,
        kind: Kind,
    ) -> Self {
        Column {
            key: key.into(),
            header: header.into(),
            kind,
            summed: false,
            printed: true,
        }
    }

    pub fn summed(mut self) -> Self {
        self.summed = true;
        self
    }

    pub fn not_printed(mut self) -> Self {
        self.printed = false;
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Empty,
    /// Borrowed for the labels of enums and other fixed words, which a long list repeats in
    /// every row.
    Text(std::borrow::Cow<'static, str>),
    Int(i64),
    /// Sums of amounts are `i128` (see `domain::compliance`).
    Money(i128),
    Percent(Option<Percent>),
    /// An exact ratio `num / den` shown as a percent (`den == 0`: nothing to show). Spreadsheets
    /// get the ratio itself, so a reader's own `=num/den` agrees with the file; text forms
    /// truncate to two decimals like [`Percent`], so a share printed as 50.00% has reached 50%.
    Share {
        num: i128,
        den: i128,
    },
    Bool(Option<bool>),
    Date(Option<chrono::NaiveDate>),
    /// An instant in Vietnam's time (UTC+07:00, no daylight saving).
    DateTime(Option<chrono::DateTime<chrono::FixedOffset>>),
}

pub use crate::domain::VIETNAM;

/// `num / den` in hundredths of a percent, truncated toward zero; `None` when `den` is 0.
pub fn share_hundredths(num: i128, den: i128) -> Option<i128> {
    if den == 0 {
        return None;
    }
    // Sums of amounts stay below 10^30, so ×10 000 cannot overflow i128; saturate regardless.
    Some(num.saturating_mul(10_000) / den)
}

/// Hundredths of a percent with `sep` as the decimal separator: `4879` → `48.79` or `48,79`.
fn hundredths_text(h: i128, sep: char) -> String {
    let sign = if h < 0 { "-" } else { "" };
    let a = h.unsigned_abs();
    format!("{sign}{}{sep}{:02}", a / 100, a % 100)
}

/// A share as Vietnamese pages print it: `48,79%` (decimal comma).
pub fn vi_percent(p: Percent) -> String {
    format!("{}%", hundredths_text(i128::from(p.hundredths), ','))
}

/// An exact ratio as Vietnamese pages print it, truncated like [`Percent`]: `48,79%`; empty when
/// `den` is 0.
pub fn vi_share(num: i128, den: i128) -> String {
    share_hundredths(num, den).map_or_else(String::new, |h| format!("{}%", hundredths_text(h, ',')))
}

/// A local date and time as Vietnamese pages print it: `05/03/2019 14:30`.
pub fn vi_datetime(at: chrono::DateTime<chrono::FixedOffset>) -> String {
    at.format("%d/%m/%Y %H:%M").to_string()
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Self {
        Cell::Text(std::borrow::Cow::Owned(s.into()))
    }

    /// A fixed word (an enum's label), borrowed rather than copied into every row.
    pub const fn label(s: &'static str) -> Self {
        Cell::Text(std::borrow::Cow::Borrowed(s))
    }

    /// The value in plain text: integers without separators, shares as `50.00`, booleans as
    /// Có/Không, dates ISO; what CSV writes and what JSON strings carry.
    pub fn plain(&self) -> std::borrow::Cow<'_, str> {
        let mut out = String::new();
        match self.plain_into(&mut out) {
            Some(s) => std::borrow::Cow::Borrowed(s),
            None => std::borrow::Cow::Owned(out),
        }
    }

    /// [`Cell::plain`] without an allocation per cell: text the cell holds (or a fixed word)
    /// is returned, anything formatted is appended to `out` and `None` returned. Writers of long
    /// lists reuse one `out`.
    pub fn plain_into(&self, out: &mut String) -> Option<&str> {
        use std::fmt::Write;
        // Writing into a String cannot fail.
        let _ = match self {
            Cell::Empty => return Some(""),
            Cell::Text(s) => return Some(s.as_ref()),
            Cell::Bool(b) => {
                return Some(
                    b.map(|b| if b { "Có" } else { "Không" })
                        .unwrap_or_default(),
                );
            }
            Cell::Int(v) => {
                out.push_str(itoa::Buffer::new().format(*v));
                Ok(())
            }
            Cell::Money(v) => {
                out.push_str(itoa::Buffer::new().format(*v));
                Ok(())
            }
            Cell::Percent(None) | Cell::Date(None) | Cell::DateTime(None) => Ok(()),
            Cell::Percent(Some(p)) => write!(out, "{p}"),
            Cell::Share { num, den } => match share_hundredths(*num, *den) {
                Some(h) => write!(out, "{}", hundredths_text(h, '.')),
                None => Ok(()),
            },
            Cell::Date(Some(d)) => {
                if iso_date(out, *d) {
                    Ok(())
                } else {
                    write!(out, "{d}")
                }
            }
            Cell::DateTime(Some(t)) => {
                if !rfc3339(out, t) {
                    out.push_str(&t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false));
                }
                Ok(())
            }
        };
        None
    }
}

/// `n` in `width` digits, zero-padded.
fn digits(out: &mut String, n: u32, width: usize) {
    let mut buf = itoa::Buffer::new();
    let text = buf.format(n);
    for _ in text.len()..width {
        out.push('0');
    }
    out.push_str(text);
}

/// `2019-03-15`, as chrono writes a date, for the years of four digits (false for the others,
/// which chrono writes with a sign). Exports write two dates a row: chrono's formatter costs
/// several times the figures themselves.
fn iso_date(out: &mut String, d: chrono::NaiveDate) -> bool {
    use chrono::Datelike;
    let Ok(year) = u32::try_from(d.year()) else {
        return false;
    };
    if year > 9999 {
        return false;
    }
    digits(out, year, 4);
    out.push('-');
    digits(out, d.month(), 2);
    out.push('-');
    digits(out, d.day(), 2);
    true
}

/// `2019-03-15T09:00:00+07:00`, as `to_rfc3339_opts(Secs, false)` writes it, for four-digit
/// years and whole-minute offsets (false otherwise).
fn rfc3339(out: &mut String, t: &chrono::DateTime<chrono::FixedOffset>) -> bool {
    use chrono::Timelike;
    let offset = t.offset().local_minus_utc();
    if offset % 60 != 0 {
        return false;
    }
    let local = t.naive_local();
    if !iso_date(out, local.date()) {
        return false;
    }
    out.push('T');
    digits(out, local.hour(), 2);
    out.push(':');
    digits(out, local.minute(), 2);
    out.push(':');
    // A leap second's nanoseconds past 1e9 are dropped by the seconds format too.
    digits(out, local.second(), 2);
    out.push(if offset < 0 { '-' } else { '+' });
    let minutes = offset.unsigned_abs() / 60;
    digits(out, minutes / 60, 2);
    out.push(':');
    digits(out, minutes % 60, 2);
    true
}

impl Serialize for Cell {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Cell::Empty => s.serialize_none(),
            Cell::Text(v) => s.serialize_str(v),
            Cell::Int(v) => s.serialize_i64(*v),
            Cell::Money(v) => s.serialize_i128(*v),
            Cell::Percent(p) => match p {
                Some(p) => s.collect_str(p),
                None => s.serialize_none(),
            },
            Cell::Share { den: 0, .. } | Cell::DateTime(None) => s.serialize_none(),
            Cell::Share { .. } | Cell::DateTime(Some(_)) => s.serialize_str(&self.plain()),
            Cell::Bool(b) => match b {
                Some(b) => s.serialize_bool(*b),
                None => s.serialize_none(),
            },
            Cell::Date(d) => match d {
                Some(d) => s.collect_str(d),
                None => s.serialize_none(),
            },
        }
    }
}

/// What a row is: a data row, a subtotal of the rows above it, or the grand total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowKind {
    Data,
    Subtotal,
    Total,
}

#[derive(Debug, Clone)]
pub struct Row {
    pub kind: RowKind,
    /// Indentation level of the first text column (a unit's depth in the tree).
    pub level: u32,
    pub cells: Vec<Cell>,
}

impl Row {
    pub fn data(cells: Vec<Cell>) -> Self {
        Row {
            kind: RowKind::Data,
            level: 0,
            cells,
        }
    }
}

impl Row {
    /// The line under a list: sums of its summed columns, "Tổng cộng" in its first text column.
    pub fn totals(columns: &[Column], rows: &[Row]) -> Row {
        let label_at = total_label_column(columns);
        let cells = columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if c.summed {
                    Cell::Money(
                        rows.iter()
                            .filter(|r| r.kind == RowKind::Data)
                            .filter_map(|r| match r.cells.get(i) {
                                Some(Cell::Money(v)) => Some(*v),
                                _ => None,
                            })
                            .sum(),
                    )
                } else if Some(i) == label_at {
                    Cell::text(TOTAL_LABEL)
                } else {
                    Cell::Empty
                }
            })
            .collect();
        Row {
            kind: RowKind::Total,
            level: 0,
            cells,
        }
    }
}

/// The label of a list's totals line.
pub const TOTAL_LABEL: &str = "Tổng cộng";

/// Where the totals line's label goes: the first text column that is also printed, so the
/// printed page and the spreadsheet label the line in the same place.
pub fn total_label_column(columns: &[Column]) -> Option<usize> {
    columns
        .iter()
        .position(|c| c.kind == Kind::Text && c.printed)
}

/// A report: a title, the lines that say what it covers, and one table.
#[derive(Debug, Clone)]
pub struct Table {
    pub title: String,
    /// (label, value) lines shown above the table: unit, year, view, rule, generated at.
    pub scope: Vec<(String, String)>,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    /// File name without extension, ASCII: `tuan-thu-qua-mang_HN-HADONG_2019`.
    pub file_stem: String,
}

impl Table {
    /// Rows as JSON objects keyed by column key.
    pub fn json(&self) -> serde_json::Value {
        let rows: Vec<serde_json::Value> = self
            .rows
            .iter()
            .map(|r| {
                let mut cells = serde_json::Map::new();
                for (col, cell) in self.columns.iter().zip(&r.cells) {
                    cells.insert(
                        col.key.to_string(),
                        serde_json::to_value(cell).unwrap_or_default(),
                    );
                }
                serde_json::json!({ "kind": r.kind, "level": r.level, "cells": cells })
            })
            .collect();
        serde_json::json!({
            "title": self.title,
            "scope": self.scope.iter().map(|(k, v)| serde_json::json!({"label": k, "value": v})).collect::<Vec<_>>(),
            "columns": self.columns,
            "rows": rows,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_as_chrono_writes_them() {
        use chrono::{FixedOffset, NaiveDate, TimeZone};
        let days = [
            (2019, 3, 5),
            (1, 1, 1),
            (999, 12, 31),
            (9999, 12, 31),
            (0, 1, 1),
            (-44, 3, 15),
            (10000, 1, 1),
        ];
        for (y, m, d) in days {
            let day = NaiveDate::from_ymd_opt(y, m, d).expect("day");
            assert_eq!(Cell::Date(Some(day)).plain(), day.to_string(), "{day:?}");
            for offset in [7 * 3600, 0, -(5 * 3600 + 30 * 60), 5 * 3600 + 45 * 60 + 7] {
                let zone = FixedOffset::east_opt(offset).expect("offset");
                let t = zone
                    .from_local_datetime(&day.and_hms_opt(9, 5, 7).expect("time"))
                    .single()
                    .expect("instant");
                assert_eq!(
                    Cell::DateTime(Some(t)).plain(),
                    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
                    "{t:?}"
                );
            }
        }
        for n in [0_i64, -5, i64::MAX, i64::MIN] {
            assert_eq!(Cell::Int(n).plain(), n.to_string());
        }
        assert_eq!(Cell::Money(i128::MIN).plain(), i128::MIN.to_string());
    }

    #[test]
    fn shares_truncate_in_text_and_stay_exact_as_ratios() {
        // (num, den, machine form, Vietnamese form)
        let cases: &[(i128, i128, &str, &str)] = &[
            (4879, 10_000, "48.79", "48,79%"),
            // 49.996% has not reached 50%
            (49_996, 100_000, "49.99", "49,99%"),
            (1, 3, "33.33", "33,33%"),
            (2, 3, "66.66", "66,66%"),
            (1, 1, "100.00", "100,00%"),
            (0, 7, "0.00", "0,00%"),
            // savings can be negative when a winning price exceeds the package price
            (-1, 3, "-33.33", "-33,33%"),
            (-1, 20_000, "0.00", "0,00%"),
            (5, 0, "", ""),
        ];
        for &(num, den, plain, vi) in cases {
            let cell = Cell::Share { num, den };
            assert_eq!(cell.plain(), plain, "{num}/{den}");
            assert_eq!(vi_share(num, den), vi, "{num}/{den}");
        }
        assert_eq!(
            serde_json::to_value(Cell::Share { num: 1, den: 3 }).ok(),
            Some(serde_json::json!("33.33"))
        );
        assert_eq!(
            serde_json::to_value(Cell::Share { num: 1, den: 0 }).ok(),
            Some(serde_json::Value::Null)
        );
        assert_eq!(vi_percent(Percent { hundredths: 5_000 }), "50,00%");
    }

    #[test]
    fn instants_are_vietnam_time() {
        use chrono::TimeZone;
        let at = chrono::Utc
            .with_ymd_and_hms(2019, 3, 4, 20, 30, 15)
            .single()
            .map(|t| t.with_timezone(&VIETNAM));
        let at = at.expect("a valid instant");
        assert_eq!(vi_datetime(at), "05/03/2019 03:30");
        assert_eq!(
            Cell::DateTime(Some(at)).plain(),
            "2019-03-05T03:30:15+07:00"
        );
    }

    #[test]
    fn totals_add_the_summed_columns_of_data_rows() {
        let columns = vec![
            Column::new("id", "Mã số", Kind::Code),
            Column::new("code", "Mã", Kind::Text).not_printed(),
            Column::new("name", "Tên", Kind::Text),
            Column::new("price", "Giá", Kind::Money).summed(),
            Column::new("winning", "Giá trúng thầu", Kind::Money).summed(),
        ];
        let rows = vec![
            Row::data(vec![
                Cell::Int(1),
                Cell::text("A"),
                Cell::text("a"),
                Cell::Money(10),
                Cell::Money(7),
            ]),
            Row::data(vec![
                Cell::Int(2),
                Cell::text("B"),
                Cell::text("b"),
                Cell::Money(5),
                Cell::Empty,
            ]),
        ];
        let t = Row::totals(&columns, &rows);
        assert_eq!(t.kind, RowKind::Total);
        assert_eq!(
            t.cells,
            vec![
                Cell::Empty,
                Cell::Empty,
                Cell::text(TOTAL_LABEL),
                Cell::Money(15),
                Cell::Money(7),
            ]
        );
    }
}
