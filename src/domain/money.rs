//! Money is whole đồng in `i64` (the đồng has no minor unit). Parsing accepts the ways officers
//! write amounts (`1.234.567.000`, `1,234,567,000`, `1234567000`) and rejects anything that could
//! be read two ways; display is Vietnamese style, `1.234.567.000 ₫`.

use std::fmt;

/// The largest amount the service stores for a package (its price or its winning price):
/// 10^15 đồng, a million billion. The largest packages ever tendered in Viet Nam (Long Thanh
/// airport's terminal, about 35,000 billion đồng) are some thirty times smaller, so no real
/// package is refused. Sums of amounts are `i128`; where a 64-bit SQL sum would overflow, the
/// aggregates sum in two parts (`db::compliance::AMOUNT_SPLIT`), so no figure overflows even at
/// a million packages at the ceiling.
pub const MAX_VND: i64 = 1_000_000_000_000_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoneyError {
    Empty,
    Negative,
    /// A decimal part, or separators that are not thousands groups (`1.5`, `12,34`).
    NotWholeDong,
    /// Both `.` and `,` used: Vietnamese and English conventions disagree on which is decimal.
    MixedSeparators,
    InvalidCharacter(char),
    TooLarge,
}

impl fmt::Display for MoneyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MoneyError::Empty => f.write_str("Chưa nhập số tiền"),
            MoneyError::Negative => f.write_str("Số tiền không được âm"),
            MoneyError::NotWholeDong => f.write_str(
                "Số tiền phải là số đồng nguyên, nhóm ba chữ số (ví dụ 1.234.567.000)",
            ),
            MoneyError::MixedSeparators => f.write_str(
                "Không rõ dấu phân cách: dùng dấu chấm (1.234.567.000), dấu phẩy (1,234,567,000) hoặc chỉ chữ số",
            ),
            MoneyError::InvalidCharacter(c) => write!(f, "Ký tự không hợp lệ trong số tiền: '{c}'"),
            MoneyError::TooLarge => f.write_str("Số tiền quá lớn"),
        }
    }
}

impl std::error::Error for MoneyError {}

/// Parses an amount in đồng. A trailing `₫`, `đ`, `đồng` or `VND` is allowed.
pub fn parse_vnd(input: &str) -> Result<i64, MoneyError> {
    let mut s = input.trim();
    for suffix in ["₫", "đồng", "đ", "VND", "vnd", "VNĐ"] {
        if let Some(rest) = s.strip_suffix(suffix) {
            s = rest.trim_end();
            break;
        }
    }
    if s.is_empty() {
        return Err(MoneyError::Empty);
    }
    if s.starts_with('-') {
        return Err(MoneyError::Negative);
    }
    let s = s.strip_prefix('+').unwrap_or(s);
    if let Some(c) = s
        .chars()
        .find(|c| !c.is_ascii_digit() && *c != '.' && *c != ',')
    {
        return Err(MoneyError::InvalidCharacter(c));
    }
    let has_dot = s.contains('.');
    let has_comma = s.contains(',');
    if has_dot && has_comma {
        return Err(MoneyError::MixedSeparators);
    }
    let digits: String = if has_dot || has_comma {
        let sep = if has_dot { '.' } else { ',' };
        let groups: Vec<&str> = s.split(sep).collect();
        let first_ok = (1..=3).contains(&groups[0].len());
        let rest_ok = groups[1..].iter().all(|g| g.len() == 3);
        if !first_ok || !rest_ok {
            return Err(MoneyError::NotWholeDong);
        }
        groups.concat()
    } else {
        s.to_owned()
    };
    if digits.is_empty() {
        return Err(MoneyError::Empty);
    }
    digits.parse::<i64>().map_err(|_| MoneyError::TooLarge)
}

/// `1234567000` → `1.234.567.000 ₫`.
pub fn format_vnd(amount: impl Into<i128>) -> String {
    format!("{} ₫", group_thousands(amount))
}

/// `1234567000` → `1.234.567.000` (Vietnamese thousands separator, no currency sign).
pub fn group_thousands(amount: impl Into<i128>) -> String {
    let amount: i128 = amount.into();
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if amount < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_accepted_spellings() {
        let cases: &[(&str, i64)] = &[
            ("1.234.567.000", 1_234_567_000),
            ("1,234,567,000", 1_234_567_000),
            ("1234567000", 1_234_567_000),
            ("  1234567000  ", 1_234_567_000),
            ("1.234.567.000 ₫", 1_234_567_000),
            ("1.234.567.000đ", 1_234_567_000),
            ("500.000 VND", 500_000),
            ("0", 0),
            ("999", 999),
            ("1.000", 1_000),
            ("9.223.372.036.854.775.807", i64::MAX),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_vnd(input), Ok(*expected), "{input}");
        }
    }

    #[test]
    fn rejects_ambiguous_or_invalid_text() {
        let cases: &[(&str, MoneyError)] = &[
            ("", MoneyError::Empty),
            ("  ₫", MoneyError::Empty),
            ("-5", MoneyError::Negative),
            ("1.5", MoneyError::NotWholeDong),
            ("1,50", MoneyError::NotWholeDong),
            ("1234.567", MoneyError::NotWholeDong),
            (".123", MoneyError::NotWholeDong),
            ("1.234,50", MoneyError::MixedSeparators),
            ("1,234.50", MoneyError::MixedSeparators),
            ("12a", MoneyError::InvalidCharacter('a')),
            ("1 234", MoneyError::InvalidCharacter(' ')),
            ("9223372036854775808", MoneyError::TooLarge),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_vnd(input).as_ref(), Err(expected), "{input}");
        }
    }

    #[test]
    fn the_ceiling_reads_as_messages_show_it() {
        assert_eq!(format_vnd(MAX_VND), "1.000.000.000.000.000 ₫");
        assert_eq!(parse_vnd("1.000.000.000.000.000"), Ok(MAX_VND));
    }

    #[test]
    fn formats_vietnamese_style() {
        assert_eq!(format_vnd(1_234_567_000), "1.234.567.000 ₫");
        assert_eq!(format_vnd(0), "0 ₫");
        assert_eq!(format_vnd(999), "999 ₫");
        assert_eq!(format_vnd(1_000), "1.000 ₫");
        assert_eq!(group_thousands(-1_234), "-1.234");
        assert_eq!(group_thousands(i64::MIN), "-9.223.372.036.854.775.808");
    }

    #[test]
    fn format_then_parse_round_trips() {
        for v in [0, 1, 12, 123, 1_234, 10_000_000_000, i64::MAX] {
            assert_eq!(parse_vnd(&format_vnd(v)), Ok(v));
        }
    }
}
