//! The import's file reader and cell parsers on any bytes: a file either reads into a sheet or
//! gets a `FileError`, every cell either parses or is refused, and nothing panics.
#![no_main]

use bidtrack::import;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Small bounds, so the fuzzer reaches them.
    let bounds = import::Bounds {
        rows: 50,
        columns: 12,
        cell_bytes: 64,
        ..import::Bounds::default()
    };
    let Ok(sheet) = import::read_csv(data, &bounds) else {
        return;
    };
    assert!(sheet.headers.len() <= bounds.columns);
    assert!(sheet.rows.len() <= bounds.rows);
    let _ = import::map_headers(&sheet.headers);
    let mut last_line = 0;
    for row in &sheet.rows {
        let line = row.row;
        assert!(line > last_line, "row lines go down: {line} after {last_line}");
        last_line = line;
        assert!(row.len() <= bounds.columns);
        for cell in row.iter() {
            assert!(cell.len() <= bounds.cell_bytes);
            let _ = import::parse_bool(cell);
            let _ = import::parse_date(cell);
            let _ = import::parse_field(cell);
            let _ = import::parse_method(cell);
            let _ = import::parse_procedure(cell);
            let _ = import::parse_contract_type(cell);
            let _ = import::parse_exempt_reason(cell);
            let _ = import::parse_status(cell);
            let _ = import::parse_money(cell);
        }
    }
});
