//! The money parser on any text: it must answer (a value or an error), never panic, and what it
//! accepts must survive the way bidtrack writes amounts back (`1.234.567.000`, `… ₫`).
#![no_main]

use bidtrack::domain::money::{format_vnd, group_thousands, parse_vnd};
use bidtrack::import::parse_money;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = parse_vnd(text);
    // The import's parser is the same parser with the message as text.
    assert_eq!(parse_money(text).ok(), parsed.clone().ok());
    if let Ok(v) = parsed {
        assert!(v >= 0, "{text:?} parsed to a negative amount {v}");
        assert_eq!(parse_vnd(&group_thousands(v)), Ok(v), "{text:?}");
        assert_eq!(parse_vnd(&format_vnd(v)), Ok(v), "{text:?}");
        assert_eq!(parse_vnd(&v.to_string()), Ok(v), "{text:?}");
    }
});
