//! Money is whole đồng in `i64` (the đồng has no minor unit). Parsing accepts the ways officers
//! write amounts: figures (`1.234.567.000`, `1,234,567,000`, `1234567000`) and figures with the
//! unit words of speech (`1,2 tỷ`, `850 triệu`, `2 tỷ 350 triệu`), and rejects anything that
//! could be read two ways; display is Vietnamese style, `1.234.567.000 ₫`, and in words as
//! financial documents write it under the figures ([`in_words_vi`]).

use crate::domain::text::fold;
use std::fmt;
use unicode_normalization::UnicodeNormalization;

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
    /// A word that is not a unit (`1 tỷ rưỡi`); as typed, in lower case.
    UnknownWord(String),
    /// A unit word with no figure before it (`tỷ 5`, `1 tỷ triệu`).
    MissingNumber(&'static str),
    /// A figure after a unit with no unit of its own (`1 triệu 500`: 1.000.500 or 1.500.000?).
    MissingUnit {
        number: String,
        after: &'static str,
    },
    /// Units not from the largest down, or one twice (`200 triệu 1 tỷ`).
    UnitOrder,
    /// A part as large as the unit before it (`2 tỷ 1500 triệu`).
    PartTooLarge {
        number: String,
        unit: &'static str,
        after: &'static str,
    },
    /// A decimal part before the last unit (`1,5 tỷ 200 triệu`).
    DecimalNotLast,
    /// One separator and three digits before a unit word: a thousands group or a decimal mark
    /// (`1.500 tỷ`: 1500 tỷ or 1,5 tỷ?).
    AmbiguousDecimal {
        number: String,
        unit: &'static str,
    },
    /// A decimal part finer than one đồng (`1,2345 nghìn`).
    FractionOfDong,
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
            MoneyError::UnknownWord(w) => write!(
                f,
                "Không hiểu «{w}» trong số tiền: sau mỗi số chỉ ghi tỷ, triệu hoặc nghìn (ngàn), cuối cùng có thể ghi đồng hoặc VND"
            ),
            MoneyError::MissingNumber(unit) => write!(f, "Thiếu số trước «{unit}»"),
            MoneyError::MissingUnit { number, after } => write!(
                f,
                "Không rõ «{number}» sau «{after}» là bao nhiêu: ghi đơn vị cho mỗi số (ví dụ 2 tỷ 350 triệu) hoặc viết đủ chữ số (ví dụ 2.350.000.000)"
            ),
            MoneyError::UnitOrder => f.write_str(
                "Đơn vị phải theo thứ tự tỷ, triệu, nghìn, mỗi đơn vị một lần (ví dụ 2 tỷ 350 triệu)",
            ),
            MoneyError::PartTooLarge {
                number,
                unit,
                after,
            } => write!(
                f,
                "«{number} {unit}» đứng sau «{after}» phải nhỏ hơn 1 {after}"
            ),
            MoneyError::DecimalNotLast => f.write_str(
                "Chỉ số cuối cùng được có phần thập phân (ví dụ 2 tỷ 350 triệu hoặc 2,35 tỷ)",
            ),
            MoneyError::AmbiguousDecimal { number, unit } => {
                let (whole, fraction) = number.split_once(['.', ',']).unwrap_or((number, ""));
                let decimal = fraction.trim_end_matches('0');
                let as_decimal = if decimal.is_empty() {
                    whole.to_owned()
                } else {
                    format!("{whole},{decimal}")
                };
                write!(
                    f,
                    "Không rõ «{number} {unit}» là {whole}{fraction} {unit} hay {as_decimal} {unit}: hãy viết đúng một trong hai cách đó"
                )
            }
            MoneyError::FractionOfDong => f.write_str(
                "Số tiền phải là số đồng nguyên: phần thập phân quá dài (ví dụ 1,25 tỷ)",
            ),
        }
    }
}

impl std::error::Error for MoneyError {}

/// What may follow an amount, compared in lower case.
const CURRENCY: [&str; 6] = ["₫", "đồng", "dong", "vnđ", "vnd", "đ"];

/// Parses an amount in đồng: figures, or figures with unit words; a trailing `₫`, `đ`, `đồng`
/// or `VND` (any case) is allowed.
///
/// Figures alone are whole đồng: digits, or thousands groups of three separated by `.` or by
/// `,` (never both), so `1.5` and `1,50` are refused rather than guessed.
///
/// With unit words (`tỷ`/`tỉ`, `triệu`, `nghìn`/`ngàn`; any case, diacritics optional), each
/// figure is followed by its unit, units go from the largest down, each once, and a part is
/// smaller than the unit before it: `850 triệu`, `2 tỷ 350 triệu`, `1 tỷ 200 triệu 500 nghìn`.
/// A figure without a unit after a unit (`1 triệu 500`) is refused: speech reads it as
/// 1.500.000, figures as 1.000.500. The figure before a unit may have a decimal part, in the
/// last part only, and a single `.` or `,` is a decimal mark when it cannot be a thousands
/// separator:
/// - one or two digits after it are a decimal part: `1,2 tỷ`, `1.25 tỷ`;
/// - exactly three digits after one to three digits not starting with 0 are refused:
///   `1.500 tỷ` is 1500 tỷ as the Vietnamese press writes it and 1,5 tỷ to a spreadsheet set
///   to English, a thousandfold difference; `0,125 tỷ` and `1250,500 triệu` are decimals;
/// - more digits are a decimal part;
///
/// and the amount must come to whole đồng (`1,2345 nghìn` is refused). Several separators of one
/// kind are thousands groups as for figures alone (`1.500.000 triệu`).
///
/// The result fits an `i64`; whether it is a plausible price is for the caller (`MAX_VND`).
pub fn parse_vnd(input: &str) -> Result<i64, MoneyError> {
    let input = input.trim();
    // Figures alone (every amount of an import file in the template's shape) have no words,
    // signs or currency to look for.
    if !input.is_empty()
        && input
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b',')
    {
        return parse_figures(input);
    }
    // Figures and an ASCII currency word (`1.200.000.000 VND`, as the national system writes
    // every amount): what the general path below finds, without composing the text first.
    if let Some(figures) = ["vnd", "dong"].iter().find_map(|word| {
        let cut = input.len().checked_sub(word.len())?;
        let (figures, end) = (input.get(..cut)?, input.get(cut..)?);
        end.eq_ignore_ascii_case(word).then(|| figures.trim_end())
    }) && !figures.is_empty()
        && figures
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b',')
    {
        return parse_figures(figures);
    }
    parse_general(input)
}

/// Any spelling `parse_vnd` accepts, of trimmed input.
fn parse_general(input: &str) -> Result<i64, MoneyError> {
    // Composed, so that a `đồng` or `tỷ` typed as base letters and combining marks (as some
    // keyboards send it) is the same text.
    let composed: String = input.nfc().collect();
    let s = strip_currency(&composed);
    if s.is_empty() {
        return Err(MoneyError::Empty);
    }
    if s.starts_with('-') {
        return Err(MoneyError::Negative);
    }
    let s = s.strip_prefix('+').unwrap_or(s);
    if words(s).any(|w| Unit::of(&w).is_some()) {
        return parse_with_units(&s.to_lowercase());
    }
    parse_figures(s)
}

/// `s` without a trailing currency word or sign.
fn strip_currency(s: &str) -> &str {
    for suffix in CURRENCY {
        let start = s
            .char_indices()
            .rev()
            .nth(suffix.chars().count() - 1)
            .map(|(i, _)| i);
        if let Some(start) = start
            && s[start..].to_lowercase() == suffix
        {
            return s[..start].trim_end();
        }
    }
    s
}

/// Whole đồng in figures alone.
fn parse_figures(s: &str) -> Result<i64, MoneyError> {
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
        if !thousands_groups(&groups) {
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

/// `1.234.567`: a first group of one to three digits, then groups of three.
fn thousands_groups(groups: &[&str]) -> bool {
    groups.first().is_some_and(|g| (1..=3).contains(&g.len()))
        && groups[1..].iter().all(|g| g.len() == 3)
}

/// The unit words of speech, smallest first (their order is the order of size).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Unit {
    Thousand,
    Million,
    Billion,
}

impl Unit {
    /// A word, with or without diacritics, in any case.
    fn of(word: &str) -> Option<Unit> {
        match fold(word).as_str() {
            "nghin" | "ngan" => Some(Unit::Thousand),
            "trieu" => Some(Unit::Million),
            "ty" | "ti" => Some(Unit::Billion),
            _ => None,
        }
    }

    fn zeros(self) -> u32 {
        match self {
            Unit::Thousand => 3,
            Unit::Million => 6,
            Unit::Billion => 9,
        }
    }

    fn value(self) -> i128 {
        10i128.pow(self.zeros())
    }

    fn name(self) -> &'static str {
        match self {
            Unit::Thousand => "nghìn",
            Unit::Million => "triệu",
            Unit::Billion => "tỷ",
        }
    }
}

/// The runs of letters in `s`.
fn words(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

enum Token<'a> {
    /// Digits with `.` or `,`.
    Figure(&'a str),
    Word(&'a str),
}

fn tokens(s: &str) -> Result<Vec<Token<'_>>, MoneyError> {
    let figure = |c: char| c.is_ascii_digit() || c == '.' || c == ',';
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        let run = |keep: &dyn Fn(char) -> bool| rest.find(|c| !keep(c)).unwrap_or(rest.len());
        let len = if figure(c) {
            let n = run(&figure);
            out.push(Token::Figure(&rest[..n]));
            n
        } else if c.is_alphabetic() {
            let n = run(&|c: char| c.is_alphabetic());
            out.push(Token::Word(&rest[..n]));
            n
        } else if c.is_whitespace() {
            c.len_utf8()
        } else {
            return Err(MoneyError::InvalidCharacter(c));
        };
        rest = &rest[len..];
    }
    Ok(out)
}

/// Figures with unit words, in lower case (the rule is on [`parse_vnd`]).
fn parse_with_units(s: &str) -> Result<i64, MoneyError> {
    let mut total: i128 = 0;
    let mut before: Option<Unit> = None;
    let mut decimal_before = false;
    let mut tokens = tokens(s)?.into_iter();
    while let Some(token) = tokens.next() {
        let figure = match token {
            Token::Figure(figure) => figure,
            Token::Word(word) => {
                return Err(match Unit::of(word) {
                    Some(unit) => MoneyError::MissingNumber(unit.name()),
                    None => MoneyError::UnknownWord(word.to_owned()),
                });
            }
        };
        let unit = match tokens.next() {
            Some(Token::Word(word)) => {
                Unit::of(word).ok_or_else(|| MoneyError::UnknownWord(word.to_owned()))?
            }
            // Two figures in a row: a space inside a figure, as figures alone refuse it.
            Some(Token::Figure(_)) => return Err(MoneyError::InvalidCharacter(' ')),
            None => {
                return Err(MoneyError::MissingUnit {
                    number: figure.to_owned(),
                    after: before.map_or("", Unit::name),
                });
            }
        };
        if before.is_some_and(|b| unit >= b) {
            return Err(MoneyError::UnitOrder);
        }
        if decimal_before {
            return Err(MoneyError::DecimalNotLast);
        }
        let (part, decimal) = part(figure, unit)?;
        if let Some(b) = before
            && part >= b.value()
        {
            return Err(MoneyError::PartTooLarge {
                number: figure.to_owned(),
                unit: unit.name(),
                after: b.name(),
            });
        }
        total += part;
        before = Some(unit);
        decimal_before = decimal;
    }
    i64::try_from(total).map_err(|_| MoneyError::TooLarge)
}

/// One figure times its unit, in đồng, and whether the figure had a decimal part.
fn part(figure: &str, unit: Unit) -> Result<(i128, bool), MoneyError> {
    let has_dot = figure.contains('.');
    if has_dot && figure.contains(',') {
        return Err(MoneyError::MixedSeparators);
    }
    let pieces: Vec<&str> = figure.split(if has_dot { '.' } else { ',' }).collect();
    match pieces.as_slice() {
        [whole] => Ok((digits(whole)? * unit.value(), false)),
        [whole, fraction] => {
            if whole.is_empty() || fraction.is_empty() {
                return Err(MoneyError::NotWholeDong);
            }
            let thousands_too =
                (1..=3).contains(&whole.len()) && !whole.starts_with('0') && fraction.len() == 3;
            if thousands_too {
                return Err(MoneyError::AmbiguousDecimal {
                    number: figure.to_owned(),
                    unit: unit.name(),
                });
            }
            let fraction = fraction.trim_end_matches('0');
            let places = u32::try_from(fraction.len()).map_err(|_| MoneyError::FractionOfDong)?;
            if places > unit.zeros() {
                return Err(MoneyError::FractionOfDong);
            }
            let fraction = if fraction.is_empty() {
                0
            } else {
                digits(fraction)? * 10i128.pow(unit.zeros() - places)
            };
            Ok((digits(whole)? * unit.value() + fraction, true))
        }
        groups => {
            if !thousands_groups(groups) {
                return Err(MoneyError::NotWholeDong);
            }
            Ok((digits(&groups.concat())? * unit.value(), false))
        }
    }
}

/// A run of digits; beyond `i64` it is too large whatever its unit.
fn digits(s: &str) -> Result<i128, MoneyError> {
    s.parse::<i64>()
        .map(i128::from)
        .map_err(|_| MoneyError::TooLarge)
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

/// An amount read out in Vietnamese, as financial documents write it under the figures:
/// `1_200_000_000` → "Một tỷ hai trăm triệu đồng".
///
/// The usual rules of the written reading: "linh" (not "lẻ", which is as common in the south)
/// for a zero tens digit after hundreds (105 → một trăm linh năm); "mười" for ten and "mươi"
/// after two to nine tens; "mốt" for one after "mươi" (21 → hai mươi mốt) but "một" after
/// "mười"; "lăm" for five after ten or tens (15 → mười lăm, 25 → hai mươi lăm); "tư" for four
/// after "mươi" (24 → hai mươi tư) but "bốn" after "mười" and "linh"; a group after a larger
/// one read with all three digits (1_050_000 → một triệu không trăm năm mươi nghìn) and a
/// group of zeros skipped (1_000_001 → một triệu không trăm linh một). Above a thousand tỷ
/// the count of tỷ is itself read out (10^15 → một triệu tỷ). Negative amounts, which no
/// stored amount is, read with "Âm".
pub fn in_words_vi(amount: i64) -> String {
    let mut words: Vec<&'static str> = Vec::new();
    if amount == 0 {
        words.push("không");
    } else {
        if amount < 0 {
            words.push("âm");
        }
        read_out(amount.unsigned_abs(), true, &mut words);
    }
    words.push("đồng");
    let text = words.join(" ");
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text,
    }
}

const DIGITS: [&str; 10] = [
    "không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín",
];

/// `n` > 0 in words; `leading`: nothing larger is said before it.
fn read_out(n: u64, leading: bool, words: &mut Vec<&'static str>) {
    let mut leading = leading;
    let billions = n / 1_000_000_000;
    if billions > 0 {
        read_out(billions, leading, words);
        words.push("tỷ");
        leading = false;
    }
    let below = n % 1_000_000_000;
    for (scale, name) in [
        (1_000_000, Some("triệu")),
        (1_000, Some("nghìn")),
        (1, None),
    ] {
        // Below 1000 by construction, so the cast cannot truncate.
        let group = (below / scale % 1000) as usize;
        if group == 0 {
            continue;
        }
        read_group(group, leading, words);
        words.extend(name);
        leading = false;
    }
}

/// One group of three digits, 1–999.
fn read_group(group: usize, leading: bool, words: &mut Vec<&'static str>) {
    let (hundreds, tens, ones) = (group / 100, group / 10 % 10, group % 10);
    // Inside an amount a group keeps its hundreds ("một tỷ không trăm năm triệu"), so the
    // reader does not take it for "năm tỷ".
    let said_hundreds = hundreds > 0 || !leading;
    if said_hundreds {
        words.extend([DIGITS[hundreds], "trăm"]);
    }
    match (tens, ones) {
        (0, 0) => {}
        (0, _) => {
            if said_hundreds {
                words.push("linh");
            }
            words.push(DIGITS[ones]);
        }
        (1, _) => {
            words.push("mười");
            match ones {
                0 => {}
                5 => words.push("lăm"),
                _ => words.push(DIGITS[ones]),
            }
        }
        _ => {
            words.extend([DIGITS[tens], "mươi"]);
            match ones {
                0 => {}
                1 => words.push("mốt"),
                4 => words.push("tư"),
                5 => words.push("lăm"),
                _ => words.push(DIGITS[ones]),
            }
        }
    }
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
    fn the_shortcuts_read_as_the_general_path() {
        let cases = [
            "1.200.000.000 VND",
            "1.200.000.000VND",
            "1,200,000,000 vnd",
            "1200000000   Vnd",
            "1.200.000.000 dong",
            "1.200.000.000 DONG",
            "1.2.3 VND",
            "1.200,000 VND",
            " VND",
            "VND",
            "-5 VND",
            "5 tỷ VND",
            "1.234.567.000",
            "12,5",
            "1.000.000 xVND",
            "1.000.000 đồng VND",
            "9.223.372.036.854.775.808 VND",
        ];
        for input in cases {
            assert_eq!(parse_vnd(input), parse_general(input.trim()), "{input}");
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
    fn reads_unit_words_as_officers_write_them() {
        let cases: &[(&str, i64)] = &[
            ("1,2 tỷ", 1_200_000_000),
            ("1.2 tỷ", 1_200_000_000),
            ("1,25 tỷ", 1_250_000_000),
            ("1,20 tỷ", 1_200_000_000),
            ("1,2tỷ", 1_200_000_000),
            ("850 triệu", 850_000_000),
            ("850 triệu đồng", 850_000_000),
            ("850 TRIỆU VND", 850_000_000),
            ("850 Triệu vnđ", 850_000_000),
            ("850 triệu ₫", 850_000_000),
            ("850 trieu dong", 850_000_000),
            ("2 tỷ 350 triệu", 2_350_000_000),
            ("2 ty 350 trieu", 2_350_000_000),
            ("2 tỉ 350 triệu", 2_350_000_000),
            ("2 Tỷ  350   Triệu", 2_350_000_000),
            ("15 nghìn", 15_000),
            ("15 ngàn", 15_000),
            ("15 nghin", 15_000),
            ("15 ngan", 15_000),
            ("1,5 nghìn", 1_500),
            ("1 tỷ 200 triệu 500 nghìn", 1_200_500_000),
            ("1 tỷ 200 triệu 500 nghìn đồng", 1_200_500_000),
            ("1 tỷ 500 nghìn", 1_000_500_000),
            ("1 tỷ 2,5 triệu", 1_002_500_000),
            ("0,5 tỷ", 500_000_000),
            // A leading 0 is never a thousands group: only a decimal reading.
            ("0,125 tỷ", 125_000_000),
            // Four digits before the mark: not a thousands group either.
            ("1250,500 triệu", 1_250_500_000),
            // Not a thousands group (four digits after): a decimal, whole đồng.
            ("1,2345 tỷ", 1_234_500_000),
            ("1.500.000 triệu", 1_500_000_000_000),
            ("1,500,000 triệu", 1_500_000_000_000),
            ("1500 tỷ", 1_500_000_000_000),
            ("1000000 tỷ", MAX_VND),
            ("+2 tỷ", 2_000_000_000),
            ("0 tỷ", 0),
            // Composed or not, the same words.
            ("2 t\u{1ef7}", 2_000_000_000),
            ("2 ty\u{309}", 2_000_000_000),
            ("5 tri\u{1ec7}u \u{111}o\u{302}\u{300}ng", 5_000_000),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_vnd(input), Ok(*expected), "{input}");
        }
    }

    #[test]
    fn refuses_unit_words_that_read_two_ways_or_not_at_all() {
        let cases: &[(&str, MoneyError)] = &[
            (
                "1.500 tỷ",
                MoneyError::AmbiguousDecimal {
                    number: "1.500".to_owned(),
                    unit: "tỷ",
                },
            ),
            (
                "1,250 tỷ",
                MoneyError::AmbiguousDecimal {
                    number: "1,250".to_owned(),
                    unit: "tỷ",
                },
            ),
            (
                "2.350 triệu",
                MoneyError::AmbiguousDecimal {
                    number: "2.350".to_owned(),
                    unit: "triệu",
                },
            ),
            ("1,2345 nghìn", MoneyError::FractionOfDong),
            ("1,0000000001 tỷ", MoneyError::FractionOfDong),
            ("1.234,5 triệu", MoneyError::MixedSeparators),
            ("1.23.456 triệu", MoneyError::NotWholeDong),
            (",5 tỷ", MoneyError::NotWholeDong),
            ("5, tỷ", MoneyError::NotWholeDong),
            (
                "1 triệu 500",
                MoneyError::MissingUnit {
                    number: "500".to_owned(),
                    after: "triệu",
                },
            ),
            (
                "2 tỷ 350",
                MoneyError::MissingUnit {
                    number: "350".to_owned(),
                    after: "tỷ",
                },
            ),
            ("tỷ", MoneyError::MissingNumber("tỷ")),
            ("1 tỷ triệu", MoneyError::MissingNumber("triệu")),
            ("200 triệu 1 tỷ", MoneyError::UnitOrder),
            ("1 tỷ 1 tỷ", MoneyError::UnitOrder),
            ("1 triệu 2 ngàn 3 nghìn", MoneyError::UnitOrder),
            (
                "2 tỷ 1500 triệu",
                MoneyError::PartTooLarge {
                    number: "1500".to_owned(),
                    unit: "triệu",
                    after: "tỷ",
                },
            ),
            ("1,5 tỷ 200 triệu", MoneyError::DecimalNotLast),
            ("1 tỷ rưỡi", MoneyError::UnknownWord("rưỡi".to_owned())),
            ("5 tỷ usd", MoneyError::UnknownWord("usd".to_owned())),
            ("1 234 triệu", MoneyError::InvalidCharacter(' ')),
            ("1 tỷ -200 triệu", MoneyError::InvalidCharacter('-')),
            ("-2 tỷ", MoneyError::Negative),
            ("10000000000 tỷ", MoneyError::TooLarge),
            ("99999999999999999999 triệu", MoneyError::TooLarge),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_vnd(input).as_ref(), Err(expected), "{input}");
        }
    }

    #[test]
    fn unit_word_refusals_say_what_to_write() {
        let message = |input: &str| parse_vnd(input).map_err(|e| e.to_string());
        assert_eq!(
            message("1.500 tỷ"),
            Err(
                "Không rõ «1.500 tỷ» là 1500 tỷ hay 1,5 tỷ: hãy viết đúng một trong hai cách đó"
                    .to_owned()
            )
        );
        assert_eq!(
            message("1.000 tỷ"),
            Err(
                "Không rõ «1.000 tỷ» là 1000 tỷ hay 1 tỷ: hãy viết đúng một trong hai cách đó"
                    .to_owned()
            )
        );
        assert_eq!(
            message("2 tỷ 1500 triệu"),
            Err("«1500 triệu» đứng sau «tỷ» phải nhỏ hơn 1 tỷ".to_owned())
        );
        assert!(
            message("1 triệu 500").is_err_and(|m| m.starts_with("Không rõ «500» sau «triệu»")),
            "{:?}",
            message("1 triệu 500")
        );
    }

    #[test]
    fn currency_after_figures_in_any_case() {
        for input in [
            "500.000 vnd",
            "500.000 Vnđ",
            "500.000 ĐỒNG",
            "500.000 dong",
            "500.000đ",
        ] {
            assert_eq!(parse_vnd(input), Ok(500_000), "{input}");
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

    #[test]
    fn reads_amounts_in_words() {
        let cases: &[(i64, &str)] = &[
            (0, "Không đồng"),
            (1, "Một đồng"),
            (5, "Năm đồng"),
            (10, "Mười đồng"),
            (11, "Mười một đồng"),
            (14, "Mười bốn đồng"),
            (15, "Mười lăm đồng"),
            (20, "Hai mươi đồng"),
            (21, "Hai mươi mốt đồng"),
            (24, "Hai mươi tư đồng"),
            (25, "Hai mươi lăm đồng"),
            (55, "Năm mươi lăm đồng"),
            (100, "Một trăm đồng"),
            (104, "Một trăm linh bốn đồng"),
            (105, "Một trăm linh năm đồng"),
            (110, "Một trăm mười đồng"),
            (115, "Một trăm mười lăm đồng"),
            (1_000, "Một nghìn đồng"),
            (1_005, "Một nghìn không trăm linh năm đồng"),
            (15_000, "Mười lăm nghìn đồng"),
            (1_000_001, "Một triệu không trăm linh một đồng"),
            (1_050_000, "Một triệu không trăm năm mươi nghìn đồng"),
            (850_000_000, "Tám trăm năm mươi triệu đồng"),
            (1_000_000_000, "Một tỷ đồng"),
            (1_200_000_000, "Một tỷ hai trăm triệu đồng"),
            (1_005_000_000, "Một tỷ không trăm linh năm triệu đồng"),
            (
                1_234_567_000,
                "Một tỷ hai trăm ba mươi tư triệu năm trăm sáu mươi bảy nghìn đồng",
            ),
            (
                2_350_000_021,
                "Hai tỷ ba trăm năm mươi triệu không trăm hai mươi mốt đồng",
            ),
            (1_500_000_000_000, "Một nghìn năm trăm tỷ đồng"),
            (1_000_500_000_000, "Một nghìn tỷ năm trăm triệu đồng"),
            (MAX_VND, "Một triệu tỷ đồng"),
            (
                i64::MAX,
                "Chín tỷ hai trăm hai mươi ba triệu ba trăm bảy mươi hai nghìn không trăm ba mươi sáu tỷ \
                 tám trăm năm mươi tư triệu bảy trăm bảy mươi lăm nghìn tám trăm linh bảy đồng",
            ),
            (-21, "Âm hai mươi mốt đồng"),
        ];
        for (amount, expected) in cases {
            assert_eq!(in_words_vi(*amount), *expected, "{amount}");
        }
        assert!(in_words_vi(i64::MIN).ends_with("tám trăm linh tám đồng"));
    }
}
