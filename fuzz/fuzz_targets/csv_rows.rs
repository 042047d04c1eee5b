//! The import's file reader and cell parsers on any bytes: a file either reads into a sheet or
//! gets a `FileError`, every cell either parses or is refused, and nothing panics.
#![no_main]

use bidtrack::import;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(sheet) = import::read_csv(data) else {
        return;
    };
    let _ = import::map_headers(&sheet.headers);
    let mut last_line = 0;
    for (line, cells) in &sheet.rows {
        assert!(
            *line > last_line,
            "row lines go down: {line} after {last_line}"
        );
        last_line = *line;
        for cell in cells {
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
