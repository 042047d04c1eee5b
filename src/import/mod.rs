//! Reading package spreadsheets: a CSV or XLSX file becomes a header and rows of text, the
//! headers (Vietnamese or English, with or without diacritics) become known columns, and each
//! cell is read the ways officers and the national system write it. Nothing here touches the
//! database: `services::imports` decides what the rows do.

mod sheet;
pub mod units;

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

/// The column of a file that names the package's unit by its name: the investor (chủ đầu tư),
/// whose package it is. Not a field of the package: the row's unit is found by it.
pub const INVESTOR: &str = "investor";
/// The row number column (STT) of the national system's lists and of most spreadsheets:
/// recognised so that it is neither data nor an unknown column.
pub const ROW_NUMBER: &str = "row_number";

/// Every column an import reads and every other spelling it is accepted under, compared folded
/// (lower case, no diacritics, single spaces, without a money unit in brackets). A field's own
/// wire name, its label and its short label (the template's header) are accepted without being
/// listed here. The national system's own headers (domain.md §11) are here as it writes them.
/// One table: the template, the header row's detection and the mapping preview all read it.
const HEADERS: &[(&str, &[&str])] = &[
    (
        "unit_code",
        &[
            "ma don vi",
            "don vi",
            "unit",
            "ma dvi",
            "ma don vi (chu dau tu)",
        ],
    ),
    (
        INVESTOR,
        &[
            "chu dau tu",
            "ten chu dau tu",
            "don vi chu dau tu",
            "investor",
            "cdt",
        ],
    ),
    (
        ROW_NUMBER,
        &["stt", "tt", "so tt", "so thu tu", "no", "no."],
    ),
    ("name", &["ten goi thau", "goi thau", "package name"]),
    (
        "code",
        &[
            "so tbmt",
            "so thong bao moi thau",
            "notice code",
            "ma tbmt",
            "ma thong bao moi thau",
            "so hieu tbmt",
        ],
    ),
    ("plan_id", &["ma khlcnt", "ma ke hoach lua chon nha thau"]),
    (
        "plan_code",
        &["so khlcnt", "so ke hoach", "plan", "so hieu khlcnt"],
    ),
    ("plan_year", &["nam ke hoach", "nam", "year", "nam khlcnt"]),
    ("planned_start_month", &["thang bat dau", "thang", "month"]),
    ("planned_start_quarter", &["quy bat dau", "quy", "quarter"]),
    ("field", &["linh vuc", "category", "linh vuc dau thau"]),
    (
        "method",
        &["hinh thuc", "hinh thuc lcnt", "hinh thuc lua chon nha thau"],
    ),
    (
        "procedure",
        &[
            "phuong thuc",
            "phuong thuc lua chon nha thau",
            "phuong thuc lcnt",
        ],
    ),
    (
        "international",
        &["quoc te", "dau thau quoc te", "trong nuoc/quoc te"],
    ),
    (
        "package_price_vnd",
        &["gia goi thau", "package price", "price"],
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
            "hinh thuc du thau",
        ],
    ),
    ("online_exempt_reason", &["ly do khong qua mang", "ly do"]),
    (
        "status",
        &["trang thai", "trang thai goi thau", "tinh trang"],
    ),
    (
        "result_date",
        &[
            "ngay phe duyet ket qua",
            "ngay ket qua",
            "ngay phe duyet kqlcnt",
            "ngay phe duyet ket qua lua chon nha thau",
            "ngay quyet dinh phe duyet kqlcnt",
        ],
    ),
    ("winning_price_vnd", &["gia trung thau", "winning price"]),
    (
        "contractor_name",
        &[
            "nha thau trung thau",
            "ten nha thau trung thau",
            "nha thau",
            "ten nha thau",
            "contractor",
            "don vi trung thau",
        ],
    ),
    (
        "notice_version",
        &["phien ban tbmt", "phien ban thong bao", "phien ban"],
    ),
    (
        "notice_date",
        &[
            "ngay dang tai",
            "ngay dang tai tbmt",
            "ngay dang thong bao",
            "thoi diem dang tai",
            "ngay dang tai thong bao moi thau",
        ],
    ),
    (
        "bid_closing_at",
        &[
            "thoi diem dong thau",
            "dong thau",
            "ngay dong thau",
            "thoi gian dong thau",
        ],
    ),
    ("procuring_entity", &["ben moi thau", "ten ben moi thau"]),
    (
        "bidder_count",
        &[
            "so nha thau tham du",
            "so nha thau",
            "so luong nha thau tham du",
        ],
    ),
    (
        "award_decision_no",
        &[
            "so quyet dinh phe duyet kqlcnt",
            "so qd phe duyet kqlcnt",
            "quyet dinh phe duyet ket qua",
            "so quyet dinh phe duyet ket qua lua chon nha thau",
            "quyet dinh phe duyet kqlcnt",
        ],
    ),
    (
        "contractor_tax_code",
        &[
            "ma so thue nha thau",
            "ma so thue",
            "mst",
            "mst nha thau",
            "ma so thue nha thau trung thau",
        ],
    ),
    (
        "contract_duration_days",
        &["thoi gian thuc hien hop dong", "thoi gian hop dong"],
    ),
    ("cancellation_decision_no", &["so quyet dinh huy thau"]),
    ("cancellation_reason", &["ly do huy thau"]),
    ("notes", &["ghi chu"]),
];

/// The other spellings of a column.
fn spellings(wire: &str) -> &'static [&'static str] {
    HEADERS
        .iter()
        .find(|(w, _)| *w == wire)
        .map_or(&[][..], |(_, a)| *a)
}

/// The columns of the package file: the unit's code, then every other field of the package's table,
/// each as (wire name, Vietnamese header, other spellings). The template lists them in this
/// order.
pub static COLUMNS: LazyLock<Vec<(&'static str, &'static str, &'static [&'static str])>> =
    LazyLock::new(|| {
        std::iter::once(("unit_code", UNIT_CODE, spellings("unit_code")))
            .chain(
                // A file names the unit by its code, not by bidtrack's id.
                PackageField::ALL
                    .iter()
                    .filter(|f| **f != PackageField::UnitId)
                    .map(|f| (f.wire(), f.short(), spellings(f.wire()))),
            )
            .collect()
    });

/// Columns a file may carry that are not the template's: the investor's name and the row number.
const OTHER_COLUMNS: &[(&str, &str)] = &[
    (INVESTOR, "Chủ đầu tư (đơn vị của gói thầu, tìm theo tên)"),
    (ROW_NUMBER, "Số thứ tự (STT, không nhập)"),
];

/// What bidtrack does with a column, in Vietnamese: the field's label, or what the column is for.
pub fn column_label(wire: &str) -> &'static str {
    if wire == "unit_code" {
        return "Mã đơn vị (đơn vị của gói thầu)";
    }
    OTHER_COLUMNS
        .iter()
        .find(|(w, _)| *w == wire)
        .map(|(_, l)| *l)
        .or_else(|| PackageField::from_wire(wire).map(PackageField::label))
        .unwrap_or("")
}

/// Every header key a column is named exactly by: its wire name, its labels.
static EXACT: LazyLock<HashMap<String, &'static str>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    for (wire, vi, _) in COLUMNS.iter() {
        map.insert(header_key(wire), *wire);
        map.insert(header_key(vi), *wire);
        if let Some(f) = PackageField::from_wire(wire) {
            map.entry(header_key(f.label())).or_insert(*wire);
        }
    }
    for (wire, _) in OTHER_COLUMNS {
        map.insert(header_key(wire), *wire);
    }
    map
});

/// Every other spelling, to its column.
static SPELLED: LazyLock<HashMap<String, &'static str>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    for (wire, aliases) in HEADERS {
        for a in *aliases {
            map.entry(header_key(a)).or_insert(*wire);
        }
    }
    map
});

/// Columns every file needs. The unit (`unit_code`, or the investor's or procuring entity's
/// name, unless the import names one unit for all rows) and the plan year (unless the upload
/// gives it or the notice's posting date is there) are checked apart.
pub const REQUIRED: &[&str] = &["name", "field", "method", "package_price_vnd", "online"];

/// A header as compared: folded, single spaces, and without the unit a money column's header
/// states ("Giá trúng thầu (đồng)", as bidtrack's own lists head it, is "gia trung thau"; the
/// national system's "Giá gói thầu (VND)" is "gia goi thau").
fn header_key(h: &str) -> String {
    let mut key = fold(h);
    if let Some(k) = ["(dong)", "(vnd)", "(vnđ)"]
        .iter()
        .find_map(|unit| key.strip_suffix(unit))
    {
        let kept = k.trim_end().len();
        key.truncate(kept);
    }
    key
}

/// The column a header names exactly, and the one it names by another spelling.
fn known(h: &str) -> (Option<&'static str>, Option<&'static str>) {
    let key = header_key(h);
    (EXACT.get(&key).copied(), SPELLED.get(&key).copied())
}

/// Which known column each header is (`None` for a column bidtrack does not know). A header
/// that names a column exactly (its wire name or its header) takes it; one that only matches
/// another spelling of a column already named exactly is not that column (bidtrack's own
/// package list has "Mã đơn vị" and the unit's name under "Đơn vị", a spelling of the unit's
/// code elsewhere), and is left out like any column bidtrack does not read. Two headers naming
/// one column the same way are an error: which one holds the data is not knowable.
pub fn map_headers(headers: &[String]) -> Result<Vec<Option<&'static str>>, FileError> {
    assign_columns(headers, known)
}

/// [`map_headers`] for any table of columns: `known` gives the column a header names exactly and
/// the one it names by another spelling (the unit import has a table of its own).
fn assign_columns(
    headers: &[String],
    known: impl Fn(&str) -> (Option<&'static str>, Option<&'static str>),
) -> Result<Vec<Option<&'static str>>, FileError> {
    let found: Vec<_> = headers.iter().map(|h| known(h)).collect();
    let named_exactly: Vec<&'static str> = found.iter().filter_map(|(e, _)| *e).collect();
    let mut seen: Vec<&'static str> = Vec::new();
    let mut out = Vec::with_capacity(headers.len());
    for (h, (exact, spelled)) in headers.iter().zip(found) {
        let column = exact.or_else(|| spelled.filter(|c| !named_exactly.contains(c)));
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

/// How many package columns a row's cells name (the row number column not counted).
fn known_columns(cells: &mut dyn Iterator<Item = &str>) -> usize {
    cells
        .filter(|c| {
            // A header is short; a long cell is a title or data, and not worth folding.
            !c.is_empty() && c.len() <= 200 && {
                let (exact, spelled) = known(c);
                exact.or(spelled).is_some_and(|w| w != ROW_NUMBER)
            }
        })
        .count()
}

/// A row is the header when it names at least this many package columns: a title ("DANH SÁCH
/// THÔNG BÁO MỜI THẦU"), a unit line or a blank row names none; the smallest useful file names
/// five (name, field, method, price, online).
const HEADER_MIN_KNOWN: usize = 3;
/// The header is looked for in the first rows only, as a person would.
pub const HEADER_SEARCH_ROWS: usize = 20;

/// Finds the header row of a file and sets aside what is not a package: the rows above the
/// header (titles, blank lines), a row that numbers the columns right under it ("(1)", "(2)",
/// …), and the total rows at its end ("Tổng cộng", "Cộng", rows with no name or notice code
/// but sums). The header is the first of the first [`HEADER_SEARCH_ROWS`] rows naming at least
/// [`HEADER_MIN_KNOWN`] known columns; when none does, the first row stays the header and the
/// missing columns are named as they always were.
pub fn locate_header(mut sheet: Sheet) -> Sheet {
    raise_header(&mut sheet, known_columns);
    if sheet.rows.first().is_some_and(numbers_columns) {
        let row = sheet.rows.remove(0).row;
        sheet.skipped.push((row, "Dòng đánh số cột"));
    }
    let Ok(columns) = map_headers(&sheet.headers) else {
        // The import names the duplicate column; nothing more to set aside.
        return sheet;
    };
    let at = |c: &str| columns.iter().position(|w| *w == Some(c));
    let (name, code) = (at("name"), at("code"));
    let mut totals = Vec::new();
    while let Some(last) = sheet.rows.last()
        && is_total(last, name, code)
    {
        totals.push(last.row);
        sheet.rows.pop();
    }
    sheet
        .skipped
        .extend(totals.into_iter().rev().map(|row| (row, "Dòng tổng cộng")));
    sheet
}

/// Makes the first of the first [`HEADER_SEARCH_ROWS`] rows naming at least
/// [`HEADER_MIN_KNOWN`] known columns (as `known` counts them) the header; the rows above it
/// (titles, blank lines) are dropped. When none does, the first row stays the header.
fn raise_header(sheet: &mut Sheet, known: impl Fn(&mut dyn Iterator<Item = &str>) -> usize) {
    let first = std::iter::once(known(&mut sheet.headers.iter().map(String::as_str)));
    let rest = sheet
        .rows
        .iter()
        .take(HEADER_SEARCH_ROWS - 1)
        .map(|r| known(&mut r.iter()));
    if let Some(at) = first.chain(rest).position(|n| n >= HEADER_MIN_KNOWN)
        && at > 0
    {
        let header = sheet.rows.drain(..at).next_back();
        if let Some(header) = header {
            sheet.header_row = header.row;
            sheet.headers = header.iter().map(str::to_owned).collect();
        }
    }
}

/// "(1)", "(2)", "(3)" … or 1, 2, 3 …: the row under a national form's header that numbers its
/// columns.
fn numbers_columns(r: &Record) -> bool {
    let numbers: Vec<Option<u32>> = r
        .iter()
        .filter(|c| !c.is_empty())
        .map(|c| c.trim_start_matches('(').trim_end_matches(')').parse().ok())
        .collect();
    numbers.len() >= HEADER_MIN_KNOWN
        && numbers
            .iter()
            .enumerate()
            .all(|(i, n)| *n == u32::try_from(i + 1).ok())
}

/// The words a total row starts with, folded.
const TOTAL_WORDS: &[&str] = &[
    "tong cong",
    "cong",
    "tong",
    "tong so",
    "total",
    "cong chung",
];

/// A total row: a cell that is only a total word, or neither a name nor a notice code but a sum.
fn is_total(r: &Record, name: Option<usize>, code: Option<usize>) -> bool {
    let cell = |i: Option<usize>| i.map_or("", |i| r.get(i));
    let word = r.iter().any(|c| {
        !c.is_empty()
            && c.len() <= 40
            && TOTAL_WORDS.contains(&fold(c).trim_end_matches([':', '.', ' ']))
    });
    word || (cell(name).is_empty()
        && cell(code).is_empty()
        && r.iter().any(|c| parse_vnd(c).is_ok()))
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

/// The international flag: yes/no, or "Trong nước" / "Quốc tế" as the national system writes it.
pub fn parse_international(s: &str) -> Option<bool> {
    parse_bool(s).or_else(|| match fold(s).trim() {
        "trong nuoc" => Some(false),
        "quoc te" => Some(true),
        _ => None,
    })
}

/// Reads a CSV or XLSX file (told apart by content) into a sheet whose first non-blank row is
/// the header, within `bounds`.
pub fn read_sheet(bytes: &[u8], bounds: &Bounds) -> Result<Sheet, FileError> {
    if is_xlsx(bytes) {
        read_xlsx(bytes, bounds)
    } else {
        read_csv(bytes, bounds)
    }
}

/// `15/03/2019`, `2019-03-15` (or what a date cell of a workbook becomes): as a form reads a
/// date.
pub use crate::domain::fields::parse_date;

/// A date, or the day of a date and time: the national system writes its posting and approval
/// dates with their time (`15/03/2019 09:00`).
pub fn parse_day(s: &str) -> Option<chrono::NaiveDate> {
    slashed_day(s).or_else(|| parse_day_general(s))
}

fn parse_day_general(s: &str) -> Option<chrono::NaiveDate> {
    parse_date(s).or_else(|| crate::domain::fields::parse_date_time(s).map(|t| t.date_naive()))
}

/// `dd/mm/yyyy`, alone or with ` HH:MM` or ` HH:MM:SS`, as the national system writes every
/// posting and approval date, read digit by digit: chrono reads its format string again for
/// each cell and tries the shapes in turn, which cost a national-system list more than any other
/// cell. `None` for any other shape, which the general reading then takes; where this reads a
/// day the general reading reads the same one (tested).
fn slashed_day(s: &str) -> Option<chrono::NaiveDate> {
    let b = s.as_bytes();
    let number = |from: usize, to: usize| -> Option<u32> {
        b.get(from..to)?.iter().try_fold(0_u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    if b.get(2) != Some(&b'/') || b.get(5) != Some(&b'/') {
        return None;
    }
    let year = i32::try_from(number(6, 10)?).ok()?;
    let day = chrono::NaiveDate::from_ymd_opt(year, number(3, 5)?, number(0, 2)?)?;
    let time = match b.len() {
        10 => return Some(day),
        16 if b[10] == b' ' && b[13] == b':' => (number(11, 13)?, number(14, 16)?, 0),
        19 if b[10] == b' ' && b[13] == b':' && b[16] == b':' => {
            (number(11, 13)?, number(14, 16)?, number(17, 19)?)
        }
        _ => return None,
    };
    chrono::NaiveTime::from_hms_opt(time.0, time.1, time.2).map(|_| day)
}

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
/// Procedures as lists write them, figures for words.
const PROCEDURE_WORDS: &[(&str, Procedure)] = &[
    ("1 giai doan 1 tui ho so", Procedure::OneStageOneEnvelope),
    ("mot giai doan mot tui", Procedure::OneStageOneEnvelope),
    ("1 giai doan 2 tui ho so", Procedure::OneStageTwoEnvelopes),
    ("mot giai doan hai tui", Procedure::OneStageTwoEnvelopes),
    ("2 giai doan 1 tui ho so", Procedure::TwoStageOneEnvelope),
    ("hai giai doan mot tui", Procedure::TwoStageOneEnvelope),
    ("2 giai doan 2 tui ho so", Procedure::TwoStageTwoEnvelopes),
    ("hai giai doan hai tui", Procedure::TwoStageTwoEnvelopes),
    ("rut gon", Procedure::Shortened),
    ("quy trinh rut gon", Procedure::Shortened),
    ("chi dinh thau rut gon", Procedure::Shortened),
];

static PROCEDURES: LazyLock<Lookup<Procedure>> =
    LazyLock::new(|| Lookup::new(Procedure::ALL, Procedure::label_vi, PROCEDURE_WORDS));
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
/// Statuses in the national system's words and in the words of officers' lists.
const STATUS_WORDS: &[(&str, PackageStatus)] = &[
    ("ke hoach", PackageStatus::Planned),
    ("chua dang tai", PackageStatus::Planned),
    ("chua phat hanh", PackageStatus::Planned),
    ("chua moi thau", PackageStatus::Planned),
    ("da dang tai", PackageStatus::NoticePublished),
    ("da dang tai tbmt", PackageStatus::NoticePublished),
    ("dang moi thau", PackageStatus::NoticePublished),
    ("da phat hanh", PackageStatus::NoticePublished),
    ("chua dong thau", PackageStatus::NoticePublished),
    ("chua mo thau", PackageStatus::NoticePublished),
    ("da dong thau", PackageStatus::UnderEvaluation),
    ("dong thau", PackageStatus::UnderEvaluation),
    ("da mo thau", PackageStatus::UnderEvaluation),
    ("dang xet thau", PackageStatus::UnderEvaluation),
    ("dang danh gia", PackageStatus::UnderEvaluation),
    ("dang danh gia hsdt", PackageStatus::UnderEvaluation),
    ("da co ket qua", PackageStatus::Awarded),
    ("co ket qua", PackageStatus::Awarded),
    ("da co kqlcnt", PackageStatus::Awarded),
    ("co nha thau trung thau", PackageStatus::Awarded),
    ("da cong khai kqlcnt", PackageStatus::Awarded),
    ("da cong khai ket qua", PackageStatus::Awarded),
    ("trung thau", PackageStatus::Awarded),
    ("huy thau", PackageStatus::Cancelled),
    ("da huy thau", PackageStatus::Cancelled),
    ("huy", PackageStatus::Cancelled),
];

static STATUSES: LazyLock<Lookup<PackageStatus>> =
    LazyLock::new(|| Lookup::new(PackageStatus::ALL, PackageStatus::label_vi, STATUS_WORDS));

/// "ghi một trong: …": the Vietnamese labels an enum cell accepts, for the error of a value that
/// is none of them (its wire names and the national codes are accepted too).
pub fn accepted<T: Copy>(all: &[T], label: fn(T) -> &'static str) -> String {
    let labels: Vec<&str> = all.iter().map(|v| label(*v)).collect();
    format!("ghi một trong: {}", labels.join("; "))
}

/// A method cell as the national system writes it: the method, with "trong nước" or "quốc tế"
/// saying whether the selection is international, and "Chỉ định thầu rút gọn" naming the
/// shortened procedure of a direct appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MethodCell {
    pub method: Method,
    pub international: Option<bool>,
    pub procedure: Option<Procedure>,
}

pub fn parse_method_cell(s: &str) -> Option<MethodCell> {
    let plain = |method| MethodCell {
        method,
        international: None,
        procedure: None,
    };
    if let Ok(method) = s.parse::<Method>() {
        return Some(plain(method));
    }
    // Folded once: every row of a national-system list spells its method out in words.
    let key = header_key(s);
    let method_of = |k: &str| METHODS.0.get(k).copied().or_else(|| k.parse().ok());
    if let Some(method) = method_of(&key) {
        return Some(plain(method));
    }
    let (rest, international) = if let Some(r) = key.strip_suffix(" trong nuoc") {
        (r, Some(false))
    } else if let Some(r) = key.strip_suffix(" quoc te") {
        (r, Some(true))
    } else {
        (key.as_str(), None)
    };
    if let Some(r) = rest.strip_suffix(" rut gon")
        && method_of(r) == Some(Method::DirectAppointment)
    {
        return Some(MethodCell {
            method: Method::DirectAppointment,
            international,
            procedure: Some(Procedure::Shortened),
        });
    }
    Some(MethodCell {
        method: method_of(rest)?,
        international,
        procedure: None,
    })
}

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
    fn every_field_the_import_reads_is_named_by_its_label_short_label_and_wire_name() {
        for f in PackageField::ALL
            .iter()
            .filter(|f| **f != PackageField::UnitId)
        {
            for name in [f.wire(), f.label(), f.short(), &f.spec().header()] {
                assert_eq!(
                    map_headers(&[name.to_owned()]).expect("map"),
                    [Some(f.wire())],
                    "{name}"
                );
            }
        }
        // The unit is named by its code in a file (its id means nothing outside bidtrack).
        assert_eq!(
            map_headers(&[UNIT_CODE.to_owned()]).expect("map"),
            [Some("unit_code")]
        );
        // No spelling of the table names two columns.
        let mut seen = std::collections::HashMap::new();
        for (wire, aliases) in HEADERS {
            for a in *aliases {
                if let Some(other) = seen.insert(header_key(a), *wire) {
                    panic!("«{a}» names both {other} and {wire}");
                }
            }
        }
    }

    #[test]
    fn the_national_systems_headers() {
        let national = [
            ("STT", ROW_NUMBER),
            ("Số TBMT", "code"),
            ("Tên gói thầu", "name"),
            ("Bên mời thầu", "procuring_entity"),
            ("Chủ đầu tư", INVESTOR),
            ("Lĩnh vực", "field"),
            ("Hình thức lựa chọn nhà thầu", "method"),
            ("Phương thức lựa chọn nhà thầu", "procedure"),
            ("Hình thức dự thầu", "online"),
            ("Giá gói thầu (VND)", "package_price_vnd"),
            ("Thời điểm đóng thầu", "bid_closing_at"),
            ("Ngày đăng tải", "notice_date"),
            ("Giá trúng thầu (VND)", "winning_price_vnd"),
            ("Tên nhà thầu trúng thầu", "contractor_name"),
            ("Mã số thuế nhà thầu", "contractor_tax_code"),
            ("Số quyết định phê duyệt KQLCNT", "award_decision_no"),
            ("Ngày phê duyệt KQLCNT", "result_date"),
        ];
        let headers: Vec<String> = national.iter().map(|(h, _)| (*h).to_owned()).collect();
        let mapped = map_headers(&headers).expect("map");
        for ((h, wire), got) in national.iter().zip(mapped) {
            assert_eq!(got, Some(*wire), "{h}");
            assert!(!column_label(wire).is_empty(), "{wire}");
        }
    }

    fn sheet(rows: &[&[&str]]) -> Sheet {
        let mut s = Sheet::default();
        let mut records = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.iter().any(|c| !c.is_empty()))
            .map(|(i, r)| Record::from_cells(i + 1, r.iter()));
        if let Some(first) = records.next() {
            s.header_row = first.row;
            s.headers = first.iter().map(str::to_owned).collect();
        }
        s.rows = records.collect();
        s
    }

    #[test]
    fn the_header_row_is_found_under_titles_and_totals_are_set_aside() {
        let s = locate_header(sheet(&[
            &["DANH SÁCH THÔNG BÁO MỜI THẦU", "", ""],
            &["", "", ""],
            &["Đơn vị: đồng", "", ""],
            &[
                "STT",
                "Tên gói thầu",
                "Số TBMT",
                "Giá gói thầu (VND)",
                "Lĩnh vực",
            ],
            &["(1)", "(2)", "(3)", "(4)", "(5)"],
            &["1", "Gói A", "IB1800012345-00", "1.200.000.000 VND", "HH"],
            &["2", "Cổng chào", "IB1800012346-00", "100.000.000 VND", "XL"],
            &["", "Tổng cộng", "", "1.300.000.000 VND", ""],
            &["", "", "", "1.300.000.000", ""],
        ]));
        assert_eq!(s.header_row, 4);
        assert_eq!(s.headers[1], "Tên gói thầu");
        assert_eq!(
            s.rows.iter().map(|r| r.row).collect::<Vec<_>>(),
            [6, 7],
            "«Cổng chào» is a package, not a total"
        );
        assert_eq!(
            s.skipped,
            [
                (5, "Dòng đánh số cột"),
                (8, "Dòng tổng cộng"),
                (9, "Dòng tổng cộng")
            ]
        );
        // A file whose first row names too few columns keeps it as its header: the import
        // then names what is missing.
        let s = locate_header(sheet(&[&["name", "price"], &["A", "1"]]));
        assert_eq!((s.header_row, s.rows.len()), (1, 1));
        // Beyond the first rows no header is looked for.
        let mut rows: Vec<&[&str]> = vec![&["Báo cáo"]; HEADER_SEARCH_ROWS];
        rows.push(&["Tên gói thầu", "Lĩnh vực", "Giá gói thầu"]);
        let s = locate_header(sheet(&rows));
        assert_eq!(s.header_row, 1);
    }

    #[test]
    fn the_national_systems_values() {
        let cell = |method, international, procedure| MethodCell {
            method,
            international,
            procedure,
        };
        assert_eq!(
            parse_method_cell("Chào hàng cạnh tranh trong nước"),
            Some(cell(Method::CompetitiveOffers, Some(false), None))
        );
        assert_eq!(
            parse_method_cell("Đấu thầu rộng rãi quốc tế"),
            Some(cell(Method::OpenBidding, Some(true), None))
        );
        assert_eq!(
            parse_method_cell("DTRR quoc te"),
            Some(cell(Method::OpenBidding, Some(true), None))
        );
        assert_eq!(
            parse_method_cell("Chỉ định thầu rút gọn"),
            Some(cell(
                Method::DirectAppointment,
                None,
                Some(Procedure::Shortened)
            ))
        );
        assert_eq!(
            parse_method_cell("Chỉ định thầu"),
            Some(cell(Method::DirectAppointment, None, None))
        );
        assert_eq!(parse_method_cell("Đấu giá quốc tế"), None);
        assert_eq!(parse_method_cell("Đấu thầu rộng rãi rút gọn"), None);
    }

    #[test]
    fn the_quick_day_reading_agrees_with_the_general_one() {
        let mut cases: Vec<String> = [
            "15/03/2019",
            "15/03/2019 09:00",
            "15/03/2019 09:00:59",
            "29/02/2020 23:59",
            "29/02/2019",
            "31/04/2019 10:00",
            "15/03/2019 24:00",
            "15/03/2019 09:60",
            "15/03/2019 09:00:60",
            "15/03/2019T09:00",
            "15/03/2019 9:00",
            "5/03/2019",
            "15/3/2019",
            "15/03/19",
            "2019-03-15",
            "15-03-2019",
            "2019-03-15T09:00:00+07:00",
            "15/03/2019 09:00 ",
            " 15/03/2019",
            "15/03/+019",
            "00/03/2019",
            "15/00/2019",
            "15/03/0000",
            "٣١/٠٣/٢٠١٩",
            "",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        // Every day of two years, at a few times, as the national system writes them.
        use chrono::Datelike;
        let mut d = chrono::NaiveDate::from_ymd_opt(2019, 1, 1).expect("day");
        while d.year() < 2021 {
            let day = d.format("%d/%m/%Y").to_string();
            cases.push(format!("{day} 00:00"));
            cases.push(format!("{day} 23:59:59"));
            cases.push(day);
            d = d.succ_opt().expect("next day");
        }
        for s in &cases {
            assert_eq!(parse_day(s), parse_day_general(s), "{s:?}");
            if let Some(quick) = slashed_day(s) {
                assert_eq!(Some(quick), parse_day_general(s), "{s:?}");
            }
        }
        assert!(
            slashed_day("15/03/2019 09:00").is_some(),
            "the quick reading is used"
        );
        assert_eq!(
            parse_procedure("1 giai đoạn 2 túi hồ sơ"),
            Some(Procedure::OneStageTwoEnvelopes)
        );
        assert_eq!(parse_international("Quốc tế"), Some(true));
        assert_eq!(parse_international("Trong nước"), Some(false));
        assert_eq!(parse_bool("Qua mạng"), Some(true));
        assert_eq!(parse_bool("Không qua mạng"), Some(false));
        for (words, status) in [
            ("Đã đăng tải", PackageStatus::NoticePublished),
            ("Đang xét thầu", PackageStatus::UnderEvaluation),
            ("Đã mở thầu", PackageStatus::UnderEvaluation),
            ("Có nhà thầu trúng thầu", PackageStatus::Awarded),
            ("Đã có kết quả", PackageStatus::Awarded),
            ("Hủy thầu", PackageStatus::Cancelled),
            ("Đã huỷ thầu", PackageStatus::Cancelled),
            ("Đã hủy", PackageStatus::Cancelled),
        ] {
            assert_eq!(parse_status(words), Some(status), "{words}");
        }
        assert_eq!(parse_money("1.200.000.000 VND"), Ok(1_200_000_000));
        assert_eq!(parse_money("1.200.000.000 đồng"), Ok(1_200_000_000));
        assert_eq!(parse_money("1.200.000.000₫"), Ok(1_200_000_000));
        assert_eq!(
            parse_day("15/03/2019 09:30"),
            NaiveDate::from_ymd_opt(2019, 3, 15)
        );
        assert_eq!(
            accepted(PackageStatus::ALL, PackageStatus::label_vi),
            "ghi một trong: Trong kế hoạch; Đã đăng thông báo mời thầu; Đang đánh giá hồ sơ; \
             Đã có kết quả lựa chọn nhà thầu; Đã hủy"
        );
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
