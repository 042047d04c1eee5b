//! CSV for spreadsheet programs: UTF-8 with a byte order mark (without it Excel reads
//! Vietnamese as mojibake), one header row, plain integers.

use super::table::{Row, Table};

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
    w.write_record(table.columns.iter().map(|c| c.header.as_str()))?;
    w.flush()?;
    drop(w);
    Ok(out)
}

/// Rows, to follow the header.
pub fn rows(rows: &[Row]) -> Result<Vec<u8>, csv::Error> {
    let mut out = Vec::with_capacity(256 * rows.len());
    let mut w = csv::Writer::from_writer(&mut out);
    for row in rows {
        for cell in &row.cells {
            w.write_field(cell.plain().as_bytes())?;
        }
        // An empty record after fields ends the row.
        w.write_record(None::<&[u8]>)?;
    }
    w.flush()?;
    drop(w);
    Ok(out)
}
