//! The OCDS import's reader on any bytes (seeded with a real release package): it either yields
//! rows, at most one per ocid and within the bounds, or an error; nothing panics.
#![no_main]

use bidtrack::import::Bounds;
use bidtrack::services::ocds;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let bounds = Bounds {
        rows: 50,
        ..Bounds::default()
    };
    let Ok((sheet, unmatched)) = ocds::read(data, &bounds, &[]) else {
        return;
    };
    assert!(sheet.rows.len() <= bounds.rows);
    // No unit exists: every row's buyer is unmatched.
    assert_eq!(unmatched.len(), sheet.rows.len());
    for row in &sheet.rows {
        assert_eq!(row.len(), sheet.headers.len());
    }
});
