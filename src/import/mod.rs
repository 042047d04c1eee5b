//! Reading package spreadsheets: a CSV or XLSX file becomes a header and rows of text, the
//! headers (Vietnamese or English, with or without diacritics) become known columns, and each
//! cell is read the ways officers and the national system write it. Nothing here touches the
//! database: `services::imports` decides what the rows do.

mod sheet;

pub use sheet::{
    Bounds, DEFAULT_MAX_COLUMNS, DEFAULT_MAX_ROWS, DEFAULT_MAX_UNZIPPED_MB, FileError, Record,
    Sheet, is_xlsx, read_csv, read_xlsx,
};

use crate::domain::fields::package::{PackageField, UNIT_CODE};
use crate::domain::money::parse_vnd;
use crate::domain::text::fold;
use entity::{ContractType, Field, Method, OnlineExemptReason, PackageStatus, Procedure};
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::LazyLock;

/// Other spellings each column is accepted under, compared folded (lower case, no
/// diacritics, single spaces). A column's own header (the field table's short label) and its
/// wire name are always accepted.
const ALIASES: &[(&str, &[&str])] = &[
    ("unit_code", &["don vi", "ma don vi", "unit"]),
    ("name", &["ten goi thau", "goi thau", "package name"]),
    (
        "code",
        &["so tbmt", "so thong bao moi thau", "notice code", "ma tbmt"],
    ),
    ("plan_code", &["so khlcnt", "so ke hoach", "plan"]),
    ("plan_year", &["nam ke hoach", "nam", "year"]),
    ("planned_start_month", &["thang bat dau", "thang", "month"]),
    ("planned_start_quarter", &["quy bat dau", "quy", "quarter"]),
    ("field", &["linh vuc", "category"]),
    ("method", &["hinh thuc", "hinh thuc lcnt"]),
    ("procedure", &["phuong thuc"]),
    ("international", &["quoc te", "dau thau quoc te"]),
    (
        "package_price_vnd",
        &[
            "gia goi thau",
            "gia goi thau (dong)",
            "package price",
            "price",
        ],
    ),
    ("funding_source", &["nguon von"]),
    ("contract_type", &["loai hop dong"]),
    (
        "online",
        &[
            "qua mang",
            "lua chon qua mang",
            "lcnt qua mang",
            "dau thau qua mang",
        ],
    ),
    ("online_exempt_reason", &["ly do khong qua mang", "ly do"]),
    ("status", &["trang thai"]),
    ("result_date", &["ngay phe duyet ket qua", "ngay ket qua"]),
    ("winning_price_vnd", &["gia trung thau", "winning price"]),
    (
        "contractor_name",
        &["nha thau trung thau", "nha thau", "contractor"],
    ),
    ("notice_version", &["phien ban tbmt", "phien ban thong bao"]),
    (
        "notice_date",
        &["ngay dang tai", "ngay dang tai tbmt", "ngay dang thong bao"],
    ),
    ("bid_closing_at", &["thoi diem dong thau", "dong thau"]),
    ("procuring_entity", &["ben moi thau"]),
    ("bidder_count", &["so nha thau tham du", "so nha thau"]),
    (
        "award_decision_no",
        &[
            "so quyet dinh phe duyet kqlcnt",
            "so qd phe duyet kqlcnt",
            "quyet dinh phe duyet ket qua",
        ],
    ),
    (
        "contractor_tax_code",
        &["ma so thue nha thau", "ma so thue", "mst"],
    ),
    (
        "contract_duration_days",
        &["thoi gian thuc hien hop dong", "thoi gian hop dong"],
    ),
    ("cancellation_decision_no", &["so quyet dinh huy thau"]),
    ("cancellation_reason", &["ly do huy thau"]),
    ("notes", &["ghi chu"]),
];

/// The columns of the package file: the unit's code, then every other field of the package's table,
/// each as (wire name, Vietnamese header, other spellings). The template lists them in this
/// order.
pub static COLUMNS: LazyLock<Vec<(&'static str, &'static str, &'static [&'static str])>> =
    LazyLock::new(|| {
        let aliases = |wire: &str| {
            ALIASES
                .iter()
                .find(|(w, _)| *w == wire)
                .map_or(&[][..], |(_, a)| *a)
        };
        std::iter::once(("unit_code", UNIT_CODE, aliases("unit_code")))
            .chain(
                // A file names the unit by its code, not by bidtrack's id.
                PackageField::ALL
                    .iter()
                    .filter(|f| **f != PackageField::UnitId)
                    .map(|f| (f.wire(), f.short(), aliases(f.wire()))),
            )
            .collect()
    });

/// Columns every file needs (`unit_code` too, unless the import names one unit for all rows).
pub const REQUIRED: &[&str] = &[
    "name",
    "plan_year",
    "field",
    "method",
    "package_price_vnd",
    "online",
];

/// A header as compared: folded, single spaces, and without the unit a money column's header
/// states ("Giá trúng thầu (đồng)", as bidtrack's own lists head it, is "gia trung thau").
fn header_key(h: &str) -> String {
    let key = fold(h).split_whitespace().collect::<Vec<_>>().join(" ");
    ["(dong)", "(vnd)", "(vnđ)"]
        .iter()
        .find_map(|unit| key.strip_suffix(unit))
        .map_or(key.clone(), |k| k.trim_end().to_owned())
}

/// Which known column each header is (`None` for a column bidtrack does not know). A header
/// that names a column exactly (its wire name or its header) takes it; one that only matches
/// another spelling of a column already named exactly is not that column (bidtrack's own
/// package list has "Mã đơn vị" and the unit's name under "Đơn vị", a spelling of the unit's
/// code elsewhere), and is left out like any column bidtrack does not read. Two headers naming
/// one column the same way are an error: which one holds the data is not knowable.
pub fn map_headers(headers: &[String]) -> Result<Vec<Option<&'static str>>, FileError> {
    let keys: Vec<String> = headers.iter().map(|h| header_key(h)).collect();
    let exact = |key: &str| {
        COLUMNS
            .iter()
            .find(|(wire, vi, _)| key == *wire || key == header_key(vi))
            .map(|(wire, _, _)| *wire)
    };
    let spelled = |key: &str| {
        COLUMNS
            .iter()
            .find(|(_, _, aliases)| aliases.contains(&key))
            .map(|(wire, _, _)| *wire)
    };
    let named_exactly: Vec<&'static str> = keys.iter().filter_map(|k| exact(k)).collect();
    let mut seen: Vec<&'static str> = Vec::new();
    let mut out = Vec::with_capacity(headers.len());
    for (h, key) in headers.iter().zip(&keys) {
        let column = match exact(key) {
            Some(c) => Some(c),
            None => spelled(key).filter(|c| !named_exactly.contains(c)),
        };
        if let Some(c) = column {
            if seen.contains(&c) {
                return Err(FileError::DuplicateColumn(h.clone()));
            }
            seen.push(c);
        }
        out.push(column);
    }
    Ok(out)
}

/// Reads a yes/no cell: Có/Không, x, 1/0, true/false, yes/no.
pub fn parse_bool(s: &str) -> Option<bool> {
    if s.is_empty() {
        return Some(false);
    }
    match fold(s).trim() {
        "co" | "x" | "1" | "true" | "yes" | "y" | "qua mang" => Some(true),
        "khong" | "" | "0" | "false" | "no" | "n" | "khong qua mang" => Some(false),
        _ => None,
    }
}

/// `15/03/2019`, `2019-03-15` (or what a date cell of a workbook becomes): as a form reads a
/// date.
pub use crate::domain::fields::parse_date;

/// Field codes of the national e-procurement system.
const FIELD_CODES: &[(&str, Field)] = &[
    ("hh", Field::Goods),
    ("xl", Field::Works),
    ("tv", Field::Consulting),
    ("ptv", Field::NonConsulting),
    ("hon hop", Field::Mixed),
];

/// Method abbreviations used by the national system and in officers' spreadsheets.
const METHOD_CODES: &[(&str, Method)] = &[
    ("dtrr", Method::OpenBidding),
    ("dthc", Method::LimitedBidding),
    ("chct", Method::CompetitiveOffers),
    ("cdt", Method::DirectAppointment),
    ("mstt", Method::DirectProcurement),
    ("tth", Method::SelfPerformance),
    ("cd", Method::CommunityParticipation),
    ("dpg", Method::PriceNegotiation),
    ("lcntdb", Method::SpecialCase),
    ("dh", Method::Ordering),
    ("cgtt", Method::OnlinePriceOffer),
    ("mstuyen", Method::OnlineShopping),
];

/// The folded Vietnamese labels and the codes of an enum, folded once (folding is Unicode
/// normalisation: too slow to redo for every cell of a large file).
struct Lookup<T>(HashMap<String, T>);

impl<T: Copy> Lookup<T> {
    fn new(all: &[T], label: fn(T) -> &'static str, codes: &[(&str, T)]) -> Self {
        let mut map: HashMap<String, T> = all.iter().map(|v| (header_key(label(*v)), *v)).collect();
        for (code, v) in codes {
            map.entry((*code).to_owned()).or_insert(*v);
        }
        Lookup(map)
    }
}

/// An enum cell: its wire name, its Vietnamese label (diacritics optional), or a code.
fn parse_enum<T: Copy + FromStr>(s: &str, lookup: &Lookup<T>) -> Option<T> {
    if let Ok(v) = s.parse::<T>() {
        return Some(v);
    }
    lookup.0.get(&header_key(s)).copied()
}

static FIELDS: LazyLock<Lookup<Field>> =
    LazyLock::new(|| Lookup::new(Field::ALL, Field::label_vi, FIELD_CODES));
static METHODS: LazyLock<Lookup<Method>> =
    LazyLock::new(|| Lookup::new(Method::ALL, Method::label_vi, METHOD_CODES));
static PROCEDURES: LazyLock<Lookup<Procedure>> =
    LazyLock::new(|| Lookup::new(Procedure::ALL, Procedure::label_vi, &[]));
static CONTRACT_TYPES: LazyLock<Lookup<ContractType>> = LazyLock::new(|| {
    let mut l = Lookup::new(ContractType::ALL, ContractType::label_vi, &[]);
    // "Hợp đồng trọn gói" may be written "trọn gói".
    let short: Vec<(String, ContractType)> =
        l.0.iter()
            .filter_map(|(k, v)| k.strip_prefix("hop dong ").map(|s| (s.to_owned(), *v)))
            .collect();
    l.0.extend(short);
    l
});
static EXEMPT_REASONS: LazyLock<Lookup<OnlineExemptReason>> =
    LazyLock::new(|| Lookup::new(OnlineExemptReason::ALL, OnlineExemptReason::label_vi, &[]));
static STATUSES: LazyLock<Lookup<PackageStatus>> =
    LazyLock::new(|| Lookup::new(PackageStatus::ALL, PackageStatus::label_vi, &[]));

pub fn parse_field(s: &str) -> Option<Field> {
    parse_enum(s, &FIELDS)
}

pub fn parse_method(s: &str) -> Option<Method> {
    parse_enum(s, &METHODS)
}

pub fn parse_procedure(s: &str) -> Option<Procedure> {
    parse_enum(s, &PROCEDURES)
}

/// "Hợp đồng trọn gói" or just "trọn gói".
pub fn parse_contract_type(s: &str) -> Option<ContractType> {
    parse_enum(s, &CONTRACT_TYPES)
}

pub fn parse_exempt_reason(s: &str) -> Option<OnlineExemptReason> {
    parse_enum(s, &EXEMPT_REASONS)
}

pub fn parse_status(s: &str) -> Option<PackageStatus> {
    parse_enum(s, &STATUSES)
}

pub fn parse_money(s: &str) -> Result<i64, String> {
    parse_vnd(s).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn headers_in_either_language_with_or_without_diacritics() {
        let headers: Vec<String> = [
            "Tên gói thầu",
            "ten goi thau (x)",
            "PACKAGE_PRICE_VND",
            "Qua mang",
            "Số TBMT",
        ]
        .map(str::to_owned)
        .to_vec();
        assert_eq!(
            map_headers(&headers).expect("map"),
            [
                Some("name"),
                None,
                Some("package_price_vnd"),
                Some("online"),
                Some("code")
            ]
        );
        let twice: Vec<String> = ["Tên gói thầu", "name"].map(str::to_owned).to_vec();
        assert_eq!(
            map_headers(&twice),
            Err(FileError::DuplicateColumn("name".to_owned()))
        );
        // bidtrack's own package list: the unit's code and name, money headers with their unit.
        let own: Vec<String> = ["Mã đơn vị", "Đơn vị", "Giá trúng thầu (đồng)"]
            .map(str::to_owned)
            .to_vec();
        assert_eq!(
            map_headers(&own).expect("map"),
            [Some("unit_code"), None, Some("winning_price_vnd")]
        );
        let alone: Vec<String> = ["Đơn vị"].map(str::to_owned).to_vec();
        assert_eq!(map_headers(&alone).expect("map"), [Some("unit_code")]);
    }

    #[test]
    fn every_value_form() {
        assert_eq!(parse_field("HH"), Some(Field::Goods));
        assert_eq!(parse_field("xây lắp"), Some(Field::Works));
        assert_eq!(parse_field("Phi tu van"), Some(Field::NonConsulting));
        assert_eq!(parse_field("non_consulting"), Some(Field::NonConsulting));
        assert_eq!(parse_method("CHCT"), Some(Method::CompetitiveOffers));
        assert_eq!(parse_method("Đấu thầu rộng rãi"), Some(Method::OpenBidding));
        assert_eq!(parse_method("dthc"), Some(Method::LimitedBidding));
        assert_eq!(parse_method("auction"), None);
        for yes in ["Có", "co", "x", "X", "1", "true", "TRUE"] {
            assert_eq!(parse_bool(yes), Some(true), "{yes}");
        }
        for no in ["Không", "khong", "", "0", "false"] {
            assert_eq!(parse_bool(no), Some(false), "{no}");
        }
        assert_eq!(parse_bool("maybe"), None);
        assert_eq!(
            parse_date("15/03/2019"),
            NaiveDate::from_ymd_opt(2019, 3, 15)
        );
        assert_eq!(
            parse_date("2019-03-15"),
            NaiveDate::from_ymd_opt(2019, 3, 15)
        );
        assert_eq!(parse_date("31/02/2019"), None);
        assert_eq!(parse_money("1.234.567.000"), Ok(1_234_567_000));
        assert_eq!(parse_money("1,234,567,000"), Ok(1_234_567_000));
        assert!(parse_money("1.234,5").is_err());
    }
}
