//! CSV for spreadsheet programs: UTF-8 with a byte order mark (without it Excel reads
//! Vietnamese as mojibake), one header row, plain integers.

use super::table::Table;

pub fn write(table: &Table) -> Result<Vec<u8>, csv::Error> {
    let mut out = Vec::with_capacity(64 * (table.rows.len() + 1));
    out.extend_from_slice("\u{feff}".as_bytes());
    let mut w = csv::Writer::from_writer(out);
    w.write_record(table.columns.iter().map(|c| c.header.as_str()))?;
    for row in &table.rows {
        w.write_record(row.cells.iter().map(|c| c.plain()))?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}
