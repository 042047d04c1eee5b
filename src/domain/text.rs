//! Text folding for search: officers type "ha dong" and expect "Hà Đông".

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lower case, Vietnamese diacritics removed (đ → d), runs of white space collapsed.
pub fn fold(text: &str) -> String {
    let stripped: String = text
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            other => other,
        })
        .flat_map(char::to_lowercase)
        .collect();
    stripped.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The search text stored beside a record: its folded name and code.
pub fn search_text(name: &str, code: Option<&str>) -> String {
    match code {
        Some(code) => fold(&format!("{name} {code}")),
        None => fold(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
