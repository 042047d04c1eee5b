//! Typed input of the pages: each form and each query string is one struct of raw strings,
//! deserialized here with `serde_html_form` and parsed by its page into the API's command type.
//! The strings stay exactly as sent, so a page that refuses them shows them back as typed.
//!
//! A name sent twice is refused (400): no page sends a name twice, and guessing which of two
//! values was meant would hide a broken form.

use super::page::PageError;
use crate::error::AppError;
use serde::de::DeserializeOwned;

/// A URL-encoded form into its struct.
pub fn form<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, PageError> {
    serde_html_form::from_bytes(bytes).map_err(|_| PageError(unreadable()))
}

/// A query string into its struct; no query string is an empty one.
pub fn query<T: DeserializeOwned>(raw: Option<&str>) -> Result<T, PageError> {
    serde_html_form::from_str(raw.unwrap_or_default()).map_err(|_| {
        PageError(AppError::BadRequest {
            code: "invalid_query",
            message: "Không đọc được địa chỉ trang: một tham số được gửi hai lần".to_owned(),
            errors: Vec::new(),
        })
    })
}

/// A form whose names are not all known in advance (one per field of a table), as its pairs:
/// a name sent twice is refused here as the typed forms refuse it.
pub fn distinct(pairs: Vec<(String, String)>) -> Result<Vec<(String, String)>, PageError> {
    let mut seen = std::collections::HashSet::new();
    if pairs.iter().all(|(name, _)| seen.insert(name.as_str())) {
        Ok(pairs)
    } else {
        Err(PageError(unreadable()))
    }
}

fn unreadable() -> AppError {
    AppError::BadRequest {
        code: "invalid_form",
        message: "Không đọc được dữ liệu biểu mẫu".to_owned(),
        errors: Vec::new(),
    }
}

/// The session's token of a posted form, read on its own: it is checked before the form itself
/// is looked at.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Token {
    #[serde(default)]
    pub csrf: String,
}

/// A raw value as a parse step reads it: trimmed, and absent when empty.
pub fn given(raw: &str) -> Option<&str> {
    Some(raw.trim()).filter(|v| !v.is_empty())
}

/// A text field's value for a command: trimmed.
pub fn text(raw: &str) -> String {
    raw.trim().to_owned()
}

/// A checkbox: checked when sent at all.
pub fn checked(raw: &Option<String>) -> bool {
    raw.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, serde::Deserialize)]
    #[serde(default)]
    struct Sample {
        name: String,
        done: Option<String>,
    }

    #[test]
    fn raw_strings_stay_as_sent_and_repeats_are_refused() {
        let s: Sample = form(b"name=+H%C3%A0+%C4%90%C3%B4ng+&other=1&done=").expect("form");
        assert_eq!(s.name, " Hà Đông ");
        assert!(checked(&s.done), "an empty checkbox value is still checked");
        assert_eq!(given(&s.name), Some("Hà Đông"));
        assert_eq!(given("   "), None);
        let s: Sample = query(None).expect("no query");
        assert!(s.name.is_empty() && !checked(&s.done));
        assert!(form::<Sample>(b"name=a&name=b").is_err());
        assert!(query::<Sample>(Some("name=a&name=b")).is_err());
        let t: Token = form(b"csrf=abc&name=x&name=y").expect("only the token is read");
        assert_eq!(t.csrf, "abc");
        let pairs: Vec<(String, String)> = form(b"a=1&b=+2+").expect("pairs");
        assert_eq!(
            distinct(pairs).expect("distinct"),
            [
                ("a".to_owned(), "1".to_owned()),
                ("b".to_owned(), " 2 ".to_owned())
            ]
        );
        let twice: Vec<(String, String)> = form(b"a=1&a=2").expect("pairs");
        assert!(distinct(twice).is_err());
    }
}
