//! The XLSX reader on any bytes (seeded with real workbooks): a file either reads into a sheet
//! within the bounds or gets a `FileError`; nothing panics and nothing allocates what a file
//! merely claims.
#![no_main]

use bidtrack::import;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let bounds = import::Bounds {
        rows: 50,
        columns: 12,
        cell_bytes: 256,
        unzipped_bytes: 4 * 1024 * 1024,
    };
    let Ok(sheet) = import::read_xlsx(data, &bounds) else {
        return;
    };
    assert!(sheet.headers.len() <= bounds.columns);
    assert!(sheet.rows.len() <= bounds.rows);
    let mut last_line = 0;
    for row in &sheet.rows {
        assert!(row.row > last_line, "row lines go down: {} after {last_line}", row.row);
        last_line = row.row;
        assert!(row.len() <= bounds.columns);
        assert!(row.iter().all(|c| c.len() <= bounds.cell_bytes));
    }
});
