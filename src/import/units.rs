//! Reading a unit structure file (`bidtrack import-units`, the units' import page): its columns
//! under their Vietnamese and English headers, and the cells naming a unit's kind, a succession's
//! kind and successor codes. The file reader, its bounds and the header matching are the package
//! import's; what the rows do is `services::imports::units`'s.

use super::{
    FileError, Lookup, ROW_NUMBER, Sheet, assign_columns, header_key, parse_enum, raise_header,
    spellings,
};
use entity::{SuccessionKind, UnitKind};
use std::collections::HashMap;
use std::sync::LazyLock;

pub const CODE: &str = "code";
pub const NAME: &str = "name";
pub const KIND: &str = "kind";
pub const PARENT_CODE: &str = "parent_code";
pub const VALID_FROM: &str = "valid_from";
pub const VALID_TO: &str = "valid_to";
pub const SUCCESSOR_CODES: &str = "successor_codes";
pub const SUCCESSION_KIND: &str = "succession_kind";
pub const DECISION: &str = "decision";

/// Every column of a unit file: (wire name, the template's Vietnamese header, other spellings,
/// folded). The template lists them in this order.
pub const COLUMNS: &[(&str, &str, &[&str])] = &[
    (CODE, "Mã đơn vị", &["ma dvi", "unit code", "ma"]),
    (
        NAME,
        "Tên đơn vị",
        &["ten", "ten dvi", "don vi", "unit name", "unit"],
    ),
    (
        KIND,
        "Loại đơn vị",
        &["loai", "cap", "cap don vi", "unit kind", "type"],
    ),
    (
        PARENT_CODE,
        "Mã đơn vị cấp trên",
        &[
            "don vi cap tren",
            "ma cap tren",
            "cap tren",
            "parent",
            "parent code",
        ],
    ),
    (
        VALID_FROM,
        "Hiệu lực từ ngày",
        &["hieu luc tu", "tu ngay", "ngay bat dau", "valid from"],
    ),
    (
        VALID_TO,
        "Hiệu lực đến ngày",
        &["hieu luc den", "den ngay", "ngay ket thuc", "valid to"],
    ),
    (
        SUCCESSOR_CODES,
        "Mã đơn vị kế thừa",
        &[
            "don vi ke thua",
            "ke thua",
            "successors",
            "successor",
            "successor codes",
        ],
    ),
    (
        SUCCESSION_KIND,
        "Loại kế thừa",
        &["hinh thuc ke thua", "succession", "succession kind"],
    ),
    (
        DECISION,
        "Quyết định",
        &[
            "quyet dinh, nghi quyet",
            "nghi quyet",
            "so quyet dinh",
            "decision",
        ],
    ),
];

/// Columns every unit file needs.
pub const REQUIRED: &[&str] = &[CODE, NAME, KIND];

/// Headers naming a column exactly (its wire name, its Vietnamese header), and the row number.
static EXACT: LazyLock<HashMap<String, &'static str>> = LazyLock::new(|| {
    let mut map: HashMap<String, &'static str> = COLUMNS
        .iter()
        .flat_map(|(wire, vi, _)| [(header_key(wire), *wire), (header_key(vi), *wire)])
        .collect();
    map.insert(header_key(ROW_NUMBER), ROW_NUMBER);
    map
});

static SPELLED: LazyLock<HashMap<String, &'static str>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    for (wire, _, aliases) in COLUMNS {
        for a in *aliases {
            map.entry(header_key(a)).or_insert(*wire);
        }
    }
    for a in spellings(ROW_NUMBER) {
        map.entry(header_key(a)).or_insert(ROW_NUMBER);
    }
    map
});

fn known(h: &str) -> (Option<&'static str>, Option<&'static str>) {
    let key = header_key(h);
    (EXACT.get(&key).copied(), SPELLED.get(&key).copied())
}

/// Which unit column each header is (`None` for a column the import does not read); two headers
/// naming one column are an error, as in a package file.
pub fn map_headers(headers: &[String]) -> Result<Vec<Option<&'static str>>, FileError> {
    assign_columns(headers, known)
}

/// The header is the first of the first rows naming at least three unit columns
/// (a title above it is not data). Unlike a package list, a unit file has no total rows to set
/// aside: a last row of numeric codes is data.
pub fn locate_header(mut sheet: Sheet) -> Sheet {
    raise_header(&mut sheet, |cells| {
        cells
            .filter(|c| !c.is_empty() && c.len() <= 200)
            .filter(|c| {
                let (exact, spelled) = known(c);
                exact.or(spelled).is_some_and(|w| w != ROW_NUMBER)
            })
            .count()
    });
    sheet
}

/// What the import does with a column, in Vietnamese (the mapping shown after a run).
pub fn column_label(wire: &str) -> &'static str {
    match wire {
        CODE => "Mã đơn vị",
        NAME => "Tên đơn vị",
        KIND => "Cấp (loại đơn vị)",
        PARENT_CODE => "Mã đơn vị cấp trên",
        VALID_FROM => "Hiệu lực từ ngày",
        VALID_TO => "Hiệu lực đến ngày",
        SUCCESSOR_CODES => "Mã các đơn vị kế thừa",
        SUCCESSION_KIND => "Loại kế thừa",
        DECISION => "Quyết định, nghị quyết",
        ROW_NUMBER => "Số thứ tự (STT, không nhập)",
        _ => "",
    }
}

/// How lists and resolutions name a unit's level.
const UNIT_KIND_WORDS: &[(&str, UnitKind)] = &[
    ("tinh", UnitKind::Province),
    ("thanh pho", UnitKind::Province),
    ("thanh pho truc thuoc trung uong", UnitKind::Province),
    ("cap tinh", UnitKind::Province),
    ("quan", UnitKind::District),
    ("huyen", UnitKind::District),
    ("thi xa", UnitKind::District),
    ("cap huyen", UnitKind::District),
    ("phuong", UnitKind::Commune),
    ("xa", UnitKind::Commune),
    ("thi tran", UnitKind::Commune),
    ("dac khu", UnitKind::Commune),
    ("cap xa", UnitKind::Commune),
    ("co quan", UnitKind::Agency),
    ("chu dau tu", UnitKind::Agency),
    ("ban qlda", UnitKind::Agency),
];

/// How resolutions name the way a unit passed to its successors.
const SUCCESSION_WORDS: &[(&str, SuccessionKind)] = &[
    ("hop nhat", SuccessionKind::Merge),
    ("sap nhap", SuccessionKind::Merge),
    ("nhap", SuccessionKind::Merge),
    ("chia", SuccessionKind::Split),
    ("tach", SuccessionKind::Split),
    ("chuyen", SuccessionKind::Transfer),
    ("dieu chuyen", SuccessionKind::Transfer),
    ("doi ten", SuccessionKind::Rename),
];

static UNIT_KINDS: LazyLock<Lookup<UnitKind>> =
    LazyLock::new(|| Lookup::new(UnitKind::ALL, UnitKind::label_vi, UNIT_KIND_WORDS));
static SUCCESSION_KINDS: LazyLock<Lookup<SuccessionKind>> = LazyLock::new(|| {
    Lookup::new(
        SuccessionKind::ALL,
        SuccessionKind::label_vi,
        SUCCESSION_WORDS,
    )
});

/// A unit kind cell: its wire name, its Vietnamese label, or a level's common name (quận, xã…).
pub fn parse_unit_kind(s: &str) -> Option<UnitKind> {
    parse_enum(s, &UNIT_KINDS)
}

/// A succession kind cell: its wire name, its Vietnamese label or a word for it (sáp nhập…).
pub fn parse_succession_kind(s: &str) -> Option<SuccessionKind> {
    parse_enum(s, &SUCCESSION_KINDS)
}

/// The codes of a successor cell, separated by `;`, `,` or line breaks, in order, each once.
pub fn successor_codes(cell: &str) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for code in cell.split([';', ',', '\n', '\r']).map(str::trim) {
        if !code.is_empty() && !out.contains(&code) {
            out.push(code);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_in_vietnamese_and_english() {
        let headers: Vec<String> = [
            "STT",
            "Mã đơn vị",
            "Ten don vi",
            "Cấp",
            "Parent code",
            "Từ ngày",
            "valid_to",
            "Đơn vị kế thừa",
            "Loại kế thừa",
            "Nghị quyết",
            "Ghi chú",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        assert_eq!(
            map_headers(&headers).expect("mapped"),
            vec![
                Some(ROW_NUMBER),
                Some(CODE),
                Some(NAME),
                Some(KIND),
                Some(PARENT_CODE),
                Some(VALID_FROM),
                Some(VALID_TO),
                Some(SUCCESSOR_CODES),
                Some(SUCCESSION_KIND),
                Some(DECISION),
                None,
            ]
        );
        let twice = vec!["Mã đơn vị".to_owned(), "code".to_owned()];
        assert!(matches!(
            map_headers(&twice),
            Err(FileError::DuplicateColumn(_))
        ));
    }

    #[test]
    fn kinds_by_wire_name_label_and_common_name() {
        for (cell, kind) in [
            ("commune", UnitKind::Commune),
            ("Phường / xã / thị trấn", UnitKind::Commune),
            ("Xã", UnitKind::Commune),
            ("Quận", UnitKind::District),
            ("tinh / thanh pho", UnitKind::Province),
            ("Cơ quan / chủ đầu tư", UnitKind::Agency),
        ] {
            assert_eq!(parse_unit_kind(cell), Some(kind), "{cell}");
        }
        assert_eq!(parse_unit_kind("thôn"), None);
        for (cell, kind) in [
            ("merge", SuccessionKind::Merge),
            ("Sáp nhập", SuccessionKind::Merge),
            ("Hợp nhất, sáp nhập", SuccessionKind::Merge),
            ("Chia tách", SuccessionKind::Split),
            ("Điều chuyển", SuccessionKind::Transfer),
            ("đổi tên", SuccessionKind::Rename),
        ] {
            assert_eq!(parse_succession_kind(cell), Some(kind), "{cell}");
        }
        assert_eq!(parse_succession_kind("giải thể"), None);
    }

    #[test]
    fn successor_codes_split_on_separators() {
        assert_eq!(
            successor_codes(" HN-A; HN-B,HN-C\nHN-A ;"),
            vec!["HN-A", "HN-B", "HN-C"]
        );
        assert!(successor_codes("  ").is_empty());
    }
}
