//! Text rules: folding for search (officers type "ha dong" and expect "Hà Đông"), what a stored
//! text may contain (no control characters, nothing that hides or reorders text), and the shape
//! of codes (notice, plan and unit codes), normalised before any comparison so that `ib19…`,
//! `ＩＢ19…` and `IB19…` are one code and a Cyrillic `А` never passes for a Latin `A`.

use std::fmt;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lower case, Vietnamese diacritics removed (đ → d), runs of white space collapsed. Control and
/// hidden characters are dropped: stored text has none, so a search for them finds nothing
/// anyway, and a NUL must not reach PostgreSQL, which refuses it in text.
///
/// Every package written and every cell an import matches against a label is folded, so this
/// works character by character, without the buffered NFD stream and its reordering (which only
/// reorders combining marks, all of them dropped here: a test checks that no other character
/// has a combining class) and without a second pass for white space. The same as
/// NFD → drop marks, controls and hidden → đ → d → lower case → collapse white space (tested
/// against that).
pub fn fold(text: &str) -> String {
    let mut out = Folded {
        text: String::with_capacity(text.len()),
        space: false,
    };
    for c in text.chars() {
        if c.is_ascii() {
            if !c.is_ascii_control() {
                out.push(c.to_ascii_lowercase());
            }
            continue;
        }
        match TABLE.get(c as usize - 0x80) {
            Some(folded) => folded.chars().for_each(|f| out.push(f)),
            None => fold_char(c, |f| out.push(f)),
        }
    }
    out.text
}

/// One character folded: decomposed, marks, controls and hidden characters dropped, đ → d,
/// lower case. White space comes out as it is (`Folded` collapses it).
fn fold_char(c: char, mut emit: impl FnMut(char)) {
    unicode_normalization::char::decompose_canonical(c, |d| {
        if is_combining_mark(d) || d.is_control() || is_hidden(d) {
            return;
        }
        match d {
            'đ' | 'Đ' => emit('d'),
            d => d.to_lowercase().for_each(&mut emit),
        }
    });
}

/// What each character from U+0080 to U+1FFF folds to, worked out once by `fold_char`. The
/// range holds every Vietnamese letter (precomposed and the combining marks) and the scripts
/// beside Latin; looking a letter's decomposition up each time was most of an import's folding
/// (every enum cell of a national-system file is matched folded).
static TABLE: std::sync::LazyLock<Vec<Box<str>>> = std::sync::LazyLock::new(|| {
    (0x80..0x2000_u32)
        .map(|n| {
            let mut folded = String::new();
            if let Some(c) = char::from_u32(n) {
                fold_char(c, |f| folded.push(f));
            }
            folded.into_boxed_str()
        })
        .collect()
});

/// Folded text being written: white space is held back until a character follows it, so runs
/// become one space and none leads or trails.
struct Folded {
    text: String,
    space: bool,
}

impl Folded {
    fn push(&mut self, c: char) {
        if c.is_whitespace() {
            self.space = true;
            return;
        }
        if self.space && !self.text.is_empty() {
            self.text.push(' ');
        }
        self.space = false;
        self.text.push(c);
    }
}

/// The search text stored beside a record: its folded name and code.
pub fn search_text(name: &str, code: Option<&str>) -> String {
    match code {
        Some(code) => fold(&format!("{name} {code}")),
        None => fold(name),
    }
}

/// Whether a text field may hold several lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    One,
    /// Multi-line text (a textarea): tab, line feed and carriage return are allowed (browsers
    /// send a textarea's line breaks as CRLF).
    Many,
}

/// Why a text cannot be stored as typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextProblem {
    /// A tab or line break in a one-line field.
    LineBreak,
    /// A control character (NUL, escape, delete, C1 controls): invisible, they corrupt terminals
    /// and files, and PostgreSQL refuses NUL in text.
    Control(char),
    /// A character that hides text or reorders what is shown: bidirectional overrides and
    /// isolates (a name that displays differently from what it is, as in "Trojan Source",
    /// CVE-2021-42574), zero-width and other invisible characters.
    Hidden(char),
}

impl TextProblem {
    /// Stable snake_case code of the problem.
    pub fn code(self) -> &'static str {
        match self {
            TextProblem::LineBreak => "line_break",
            TextProblem::Control(_) => "control_character",
            TextProblem::Hidden(_) => "hidden_character",
        }
    }

    /// The Vietnamese message about the field called `label` (`Tên gói thầu`).
    pub fn message_vi(self, label: &str) -> String {
        match self {
            TextProblem::LineBreak => {
                format!("{label} chỉ được có một dòng (không xuống dòng, không có ký tự tab)")
            }
            TextProblem::Control(c) => format!(
                "{label} chứa ký tự điều khiển {} không được phép; hãy xoá rồi gõ lại",
                CodePoint(c)
            ),
            TextProblem::Hidden(c) => format!(
                "{label} chứa ký tự ẩn {} (ký tự không nhìn thấy hoặc đảo chiều chữ) không được phép; hãy xoá rồi gõ lại",
                CodePoint(c)
            ),
        }
    }
}

/// `U+202E`: how a message names a character that cannot be shown.
struct CodePoint(char);

impl fmt::Display for CodePoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "U+{:04X}", u32::from(self.0))
    }
}

/// Characters that show nothing, or change how the text around them is shown, and that no
/// Vietnamese administrative text needs: the Unicode format characters (general category Cf:
/// soft hyphen, bidirectional marks, embeddings, overrides and isolates, zero-width space and
/// joiners, word joiner, invisible operators, byte order mark, interlinear annotation, tag
/// characters that can carry a hidden ASCII text), the line and paragraph separators, the
/// invisible fillers used to fake blank names, and variation selectors (which can also smuggle
/// hidden data).
pub fn is_hidden(c: char) -> bool {
    matches!(
        u32::from(c),
        0x00AD
            | 0x034F
            | 0x0600..=0x0605
            | 0x061C
            | 0x06DD
            | 0x070F
            | 0x0890..=0x0891
            | 0x08E2
            | 0x115F..=0x1160
            | 0x17B4..=0x17B5
            | 0x180B..=0x180F
            | 0x200B..=0x200F
            | 0x2028..=0x202E
            | 0x2060..=0x2064
            | 0x2066..=0x206F
            | 0x2800
            | 0x3164
            | 0xFE00..=0xFE0F
            | 0xFEFF
            | 0xFFA0
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
            | 0xE0100..=0xE01EF
    )
}

/// The first character of `text` that may not be stored in a field of this kind.
pub fn check_plain(text: &str, lines: Lines) -> Result<(), TextProblem> {
    for c in text.chars() {
        let problem = match c {
            '\t' | '\n' | '\r' if lines == Lines::Many => continue,
            '\t' | '\n' | '\r' => TextProblem::LineBreak,
            c if c.is_control() => TextProblem::Control(c),
            c if is_hidden(c) => TextProblem::Hidden(c),
            _ => continue,
        };
        return Err(problem);
    }
    Ok(())
}

/// A code as it is compared and stored: compatibility forms folded (NFKC: full-width `ＩＢ` is
/// `IB`), surrounding space trimmed, ASCII letters upper-cased. Other characters are kept as
/// typed so that [`check_code`] can name them.
pub fn normalize_code(raw: &str) -> String {
    // ASCII is its own NFKC form, and almost every code arrives as ASCII: an import normalises
    // two or three codes a row, and the normaliser's buffered stream cost thousands of
    // instructions each.
    if raw.is_ascii() {
        return raw.trim().to_ascii_uppercase();
    }
    let folded: String = raw.nfkc().collect();
    folded.trim().to_ascii_uppercase()
}

/// Why a (normalised) code is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeProblem {
    Control(char),
    Hidden(char),
    /// A letter outside ASCII: a look-alike (Cyrillic `А`, Greek `Ο`) or a letter with
    /// diacritics. Codes are compared byte for byte, so a look-alike would be a second code that
    /// reads as the first.
    NotAscii(char),
    /// Empty, not starting with a letter or digit (`.`, `..`, `-x`), or with a character outside
    /// the allowed punctuation.
    Shape,
}

impl CodeProblem {
    pub fn code(self) -> &'static str {
        match self {
            CodeProblem::Control(_) => "control_character",
            CodeProblem::Hidden(_) => "hidden_character",
            CodeProblem::NotAscii(_) => "not_ascii",
            CodeProblem::Shape => "invalid",
        }
    }

    /// `rule` says what the code is made of (`Mã đơn vị gồm 1–64 ký tự: …`); the message starts
    /// with it and names the offending character when there is one.
    pub fn message_vi(self, rule: &str) -> String {
        match self {
            CodeProblem::Control(c) => {
                format!("{rule}; ký tự điều khiển {} không được phép", CodePoint(c))
            }
            CodeProblem::Hidden(c) => format!(
                "{rule}; ký tự ẩn {} (không nhìn thấy được) không được phép",
                CodePoint(c)
            ),
            CodeProblem::NotAscii(c) => format!(
                "{rule}; ký tự '{c}' ({}) không phải chữ cái Latin không dấu hay chữ số, hãy gõ lại bằng bàn phím không dấu",
                CodePoint(c)
            ),
            CodeProblem::Shape => rule.to_owned(),
        }
    }
}

/// A code is an ASCII letter or digit followed by ASCII letters, digits and the characters of
/// `punctuation`; so `.` and `..` (paths), `-x` (command-line options) and look-alike letters
/// are not codes. Length is the caller's rule.
pub fn check_code(code: &str, punctuation: &[char]) -> Result<(), CodeProblem> {
    for c in code.chars() {
        if c.is_control() {
            return Err(CodeProblem::Control(c));
        }
        if is_hidden(c) {
            return Err(CodeProblem::Hidden(c));
        }
        if !c.is_ascii() {
            return Err(CodeProblem::NotAscii(c));
        }
    }
    let mut chars = code.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    if first_ok && chars.all(|c| c.is_ascii_alphanumeric() || punctuation.contains(&c)) {
        Ok(())
    } else {
        Err(CodeProblem::Shape)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `fold` as it was first written, over the whole normalised stream.
    fn fold_reference(text: &str) -> String {
        let stripped: String = text
            .nfd()
            .filter(|c| !is_combining_mark(*c) && !c.is_control() && !is_hidden(*c))
            .map(|c| match c {
                'đ' | 'Đ' => 'd',
                other => other,
            })
            .flat_map(char::to_lowercase)
            .collect();
        stripped.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn only_marks_are_reordered_by_normalisation() {
        // Canonical reordering moves characters of a non-zero combining class only; folding
        // character by character is the same as folding the NFD stream when those are all
        // marks, which folding drops.
        use unicode_normalization::char::canonical_combining_class;
        let moved: Vec<char> = (0..=0x10FFFF_u32)
            .filter_map(char::from_u32)
            .filter(|c| canonical_combining_class(*c) != 0 && !is_combining_mark(*c))
            .collect();
        assert_eq!(moved, Vec::<char>::new());
    }

    #[test]
    fn folding_by_character_equals_the_reference() {
        let samples = [
            "Hà Đông",
            "  Gói thầu   số\u{00A0}1 \t(XL) ",
            "Ủy ban nhân dân phường Dương Nội",
            "ĐẤU THẦU RỘNG RÃI QUỐC TẾ",
            "Chào hàng cạnh tranh trong nước",
            "Ha\u{0300} \u{0110}o\u{0302}\u{0301}ng",
            "İstanbul ǅ ǈ ß ﬁ Ω K Å",
            "a\u{200B}b\u{202E}c\u{0000}d\u{009F}e\u{00AD}f",
            "\u{3000}全角\u{2003}スペース\u{2029}",
            "한국어 조합",
            "x\u{0301}\u{0323}\u{0302}y\u{1EA1}\u{0306}",
            "",
            "   ",
            "1.200.000.000 VNĐ",
        ];
        for s in samples {
            assert_eq!(fold(s), fold_reference(s), "{s:?}");
        }
        // Every character alone, between letters and after a space.
        for c in (0..=0x10FFFF_u32).filter_map(char::from_u32) {
            for s in [c.to_string(), format!("a{c}b"), format!("a {c}")] {
                assert_eq!(fold(&s), fold_reference(&s), "{:?}", c as u32);
            }
        }
    }

    #[test]
    fn ascii_codes_normalise_as_through_nfkc() {
        let through_nfkc = |raw: &str| raw.nfkc().collect::<String>().trim().to_ascii_uppercase();
        let mut samples: Vec<String> = (0..128_u8).map(|b| format!(" a{}b ", b as char)).collect();
        samples.extend(
            [
                "ib1900012345-01",
                "  hn-hadong\t",
                "",
                " ",
                "PL2400001234",
                "\u{b}x\u{c}",
            ]
            .map(str::to_owned),
        );
        for s in samples {
            assert_eq!(normalize_code(&s), through_nfkc(&s), "{s:?}");
        }
        assert_eq!(normalize_code("ＩＢ１９"), "IB19");
    }

    #[test]
    fn folds_vietnamese() {
        assert_eq!(fold("Hà Đông"), "ha dong");
        assert_eq!(fold("  Quận   HOÀN KIẾM "), "quan hoan kiem");
        assert_eq!(fold("Phường Văn Quán"), "phuong van quan");
        assert_eq!(fold("Mua sắm thiết bị y tế"), "mua sam thiet bi y te");
        assert_eq!(fold("Huyện Phúc Thọ"), "huyen phuc tho");
        assert_eq!(fold("ƯỚC ĐỊNH ỞỢ"), "uoc dinh oo");
        assert_eq!(fold("IB1900012345"), "ib1900012345");
        // precomposed and decomposed input fold alike
        assert_eq!(fold("Ha\u{0300} \u{0110}o\u{0302}ng"), "ha dong");
        assert_eq!(search_text("Gói Hà Đông", Some("IB19")), "goi ha dong ib19");
    }

    #[test]
    fn fold_drops_what_stored_text_cannot_hold() {
        assert_eq!(fold("g\u{0}ói"), "goi");
        assert_eq!(fold("ha\u{200b} dong\u{202e}"), "ha dong");
    }

    #[test]
    fn plain_text_rules() {
        use Lines::{Many, One};
        use TextProblem::*;
        let cases: &[(&str, Lines, Result<(), TextProblem>)] = &[
            ("Mua sắm thiết bị tin học", One, Ok(())),
            ("Gói số 5: \"Hà Đông\" – 50%", One, Ok(())),
            ("Ω ≥ ½ € 漢字 😀", One, Ok(())),
            ("", One, Ok(())),
            ("a\u{0}b", One, Err(Control('\u{0}'))),
            ("a\u{0}b", Many, Err(Control('\u{0}'))),
            ("\u{1b}[31m", One, Err(Control('\u{1b}'))),
            ("a\u{7f}", Many, Err(Control('\u{7f}'))),
            ("a\u{85}", One, Err(Control('\u{85}'))),
            ("a\u{9b}", Many, Err(Control('\u{9b}'))),
            ("a\tb", One, Err(LineBreak)),
            ("a\nb", One, Err(LineBreak)),
            ("a\rb", One, Err(LineBreak)),
            ("dòng 1\r\ndòng 2\n\tthụt lề", Many, Ok(())),
            ("a\u{202a}b", One, Err(Hidden('\u{202a}'))),
            ("a\u{202e}b", Many, Err(Hidden('\u{202e}'))),
            ("a\u{2066}b", One, Err(Hidden('\u{2066}'))),
            ("a\u{2069}b", One, Err(Hidden('\u{2069}'))),
            ("a\u{200b}b", One, Err(Hidden('\u{200b}'))),
            ("a\u{200d}b", One, Err(Hidden('\u{200d}'))),
            ("a\u{200f}b", One, Err(Hidden('\u{200f}'))),
            ("a\u{2028}b", Many, Err(Hidden('\u{2028}'))),
            ("\u{feff}a", One, Err(Hidden('\u{feff}'))),
            ("a\u{ad}b", One, Err(Hidden('\u{ad}'))),
            ("a\u{3164}", One, Err(Hidden('\u{3164}'))),
            ("a\u{e0041}", One, Err(Hidden('\u{e0041}'))),
            ("a\u{fe0f}", One, Err(Hidden('\u{fe0f}'))),
        ];
        for (text, lines, expected) in cases {
            assert_eq!(check_plain(text, *lines), *expected, "{text:?} {lines:?}");
        }
    }

    #[test]
    fn text_messages_name_field_and_character() {
        assert_eq!(
            TextProblem::Hidden('\u{202e}').message_vi("Tên gói thầu"),
            "Tên gói thầu chứa ký tự ẩn U+202E (ký tự không nhìn thấy hoặc đảo chiều chữ) không được phép; hãy xoá rồi gõ lại"
        );
        assert_eq!(
            TextProblem::Control('\u{0}').message_vi("Ghi chú"),
            "Ghi chú chứa ký tự điều khiển U+0000 không được phép; hãy xoá rồi gõ lại"
        );
        assert_eq!(TextProblem::LineBreak.code(), "line_break");
    }

    #[test]
    fn codes_are_normalised() {
        let cases = [
            ("IB1900012345", "IB1900012345"),
            (" ib1900012345 ", "IB1900012345"),
            ("ＩＢ１９０００１２３４５", "IB1900012345"),
            ("hn-hadong", "HN-HADONG"),
            ("\u{3000}HN\u{3000}", "HN"),
            // Non-ASCII letters are kept as typed, for the check to name them.
            ("i\u{0431}19", "I\u{0431}19"),
            ("hà", "Hà"),
        ];
        for (raw, expected) in cases {
            assert_eq!(normalize_code(raw), expected, "{raw:?}");
        }
    }

    #[test]
    fn code_shapes() {
        use CodeProblem::*;
        const UNIT: &[char] = &['-', '_', '.'];
        let cases: &[(&str, Result<(), CodeProblem>)] = &[
            ("HN-HADONG", Ok(())),
            ("HN_2019.A", Ok(())),
            ("1", Ok(())),
            ("nq01_2019", Ok(())),
            ("", Err(Shape)),
            (".", Err(Shape)),
            ("..", Err(Shape)),
            ("-HN", Err(Shape)),
            ("_HN", Err(Shape)),
            ("HN/HD", Err(Shape)),
            ("HN HD", Err(Shape)),
            ("=1+1", Err(Shape)),
            ("H\u{0410}", Err(NotAscii('\u{0410}'))),
            ("\u{0406}B19", Err(NotAscii('\u{0406}'))),
            ("MÃ", Err(NotAscii('Ã'))),
            ("IB\u{200b}19", Err(Hidden('\u{200b}'))),
            ("IB19\u{0}", Err(Control('\u{0}'))),
        ];
        for (code, expected) in cases {
            assert_eq!(check_code(code, UNIT), *expected, "{code:?}");
        }
        assert_eq!(check_code("IB19/2015", &['-', '/']), Ok(()));
    }

    #[test]
    fn code_messages_start_with_the_rule() {
        let rule = "Mã đơn vị gồm 1–64 ký tự";
        assert_eq!(CodeProblem::Shape.message_vi(rule), rule);
        let m = CodeProblem::NotAscii('\u{0410}').message_vi(rule);
        assert!(
            m.starts_with(rule) && m.contains("'\u{0410}' (U+0410)"),
            "{m}"
        );
    }
}
