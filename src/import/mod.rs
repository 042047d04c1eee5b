//! Reading package spreadsheets: a CSV or XLSX file becomes a header and rows of text, the
//! headers (Vietnamese or English, with or without diacritics) become known columns, and each
//! cell is read the ways officers and the national system write it. Nothing here touches the
//! database: `services::imports` decides what the rows do.

use crate::domain::money::parse_vnd;
use crate::domain::text::fold;
use chrono::NaiveDate;
use entity::{ContractType, Field, Method, OnlineExemptReason, PackageStatus, Procedure};
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::LazyLock;

/// A file that cannot be read as a package list at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("Tệp rỗng: không có dòng tiêu đề")]
    Empty,
    #[error(
        "Tệp không phải UTF-8 (có vẻ là {guessed}). Trong Excel chọn File → Save As → «CSV UTF-8 (Comma delimited)», hoặc tải lên tệp .xlsx"
    )]
    NotUtf8 { guessed: String },
    #[error(
        "Không nhận ra dấu phân cách cột: dòng tiêu đề chỉ có một cột. Hãy lưu tệp với dấu phẩy (,), dấu chấm phẩy (;) hoặc tab giữa các cột"
    )]
    Delimiter,
    #[error("Thiếu cột bắt buộc: {}", .0.join(", "))]
    MissingColumns(Vec<String>),
    #[error("Tệp CSV hỏng ở dòng {line}: {message}")]
    Csv { line: u64, message: String },
    #[error("Không đọc được tệp Excel: {0}")]
    Xlsx(String),
    #[error("Cột «{0}» xuất hiện hai lần")]
    DuplicateColumn(String),
}

/// A file as text: the header row and the data rows, each with its line number in the file.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

/// CSV with `,`, `;` or tab between columns (guessed from the header), UTF-8 with or without a
/// byte order mark.
pub fn read_csv(bytes: &[u8]) -> Result<Sheet, FileError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|_| FileError::NotUtf8 {
        guessed: guess_encoding(bytes),
    })?;
    let first_line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .ok_or(FileError::Empty)?;
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| first_line.bytes().filter(|b| b == d).count())
        .filter(|d| first_line.bytes().any(|b| b == *d))
        .ok_or(FileError::Delimiter)?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut sheet = Sheet::default();
    // The csv crate counts `\n` only, but a lone `\r` ends records too (old Mac files, a stray
    // carriage return in a cell): lines are counted here as an editor shows them, so that no two
    // rows claim one line (found by fuzz/csv_rows).
    let (mut counted_to, mut line) = (0, 1);
    for record in reader.records() {
        let record = record.map_err(|e| FileError::Csv {
            line: e.position().map_or(0, |p| p.line()),
            message: e.to_string(),
        })?;
        let start = record.position().map_or(counted_to, |p| {
            usize::try_from(p.byte()).unwrap_or(counted_to)
        });
        if start > counted_to {
            line += line_breaks(&text.as_bytes()[counted_to..start]);
            counted_to = start;
        }
        let cells: Vec<String> = record.iter().map(|c| c.trim().to_owned()).collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        if sheet.headers.is_empty() {
            sheet.headers = cells;
        } else {
            sheet.rows.push((line, cells));
        }
    }
    if sheet.headers.is_empty() {
        return Err(FileError::Empty);
    }
    Ok(sheet)
}

/// Line ends in `bytes`: `\n`, `\r\n` and a lone `\r` each count once.
fn line_breaks(bytes: &[u8]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => n += 1,
            b'\r' => {
                n += 1;
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    n
}

fn guess_encoding(bytes: &[u8]) -> String {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return "UTF-16 (Unicode)".to_owned();
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    detector
        .guess(Some(b"vn"), chardetng::Utf8Detection::Deny)
        .name()
        .to_owned()
}

/// The first worksheet of an XLSX workbook. Numbers and dates keep their meaning: a price cell
/// becomes its digits, a date cell an ISO date.
pub fn read_xlsx(bytes: &[u8]) -> Result<Sheet, FileError> {
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| FileError::Xlsx(e.to_string()))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or(FileError::Empty)?
        .map_err(|e| FileError::Xlsx(e.to_string()))?;
    let (top, _) = range.start().unwrap_or((0, 0));
    let mut sheet = Sheet::default();
    for (i, row) in range.rows().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .map(|cell| match cell {
                Data::Empty => String::new(),
                Data::String(s) => s.trim().to_owned(),
                Data::Int(v) => v.to_string(),
                Data::Float(v) if v.fract() == 0.0 && v.abs() < 9.0e15 => format!("{}", *v as i64),
                Data::Float(v) => v.to_string(),
                Data::Bool(b) => b.to_string(),
                Data::DateTime(d) => d
                    .as_datetime()
                    .map(|t| t.date().to_string())
                    .unwrap_or_default(),
                Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
                Data::Error(e) => format!("#{e:?}"),
            })
            .collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        let line = top as usize + i + 1;
        if sheet.headers.is_empty() {
            sheet.headers = cells;
        } else {
            sheet.rows.push((line, cells));
        }
    }
    if sheet.headers.is_empty() {
        return Err(FileError::Empty);
    }
    Ok(sheet)
}

/// Is this an XLSX file (a ZIP container)?
pub fn is_xlsx(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// The columns of the package template: the wire name, the Vietnamese header, and other
/// spellings accepted.
pub const COLUMNS: &[(&str, &str, &[&str])] = &[
    ("unit_code", "Mã đơn vị", &["don vi", "ma don vi", "unit"]),
    (
        "name",
        "Tên gói thầu",
        &["ten goi thau", "goi thau", "package name"],
    ),
    (
        "code",
        "Số TBMT",
        &["so tbmt", "so thong bao moi thau", "notice code", "ma tbmt"],
    ),
    (
        "plan_code",
        "Số KHLCNT",
        &["so khlcnt", "so ke hoach", "plan"],
    ),
    (
        "plan_year",
        "Năm kế hoạch",
        &["nam ke hoach", "nam", "year"],
    ),
    (
        "planned_start_month",
        "Tháng bắt đầu lựa chọn",
        &["thang bat dau", "thang", "month"],
    ),
    ("field", "Lĩnh vực", &["linh vuc", "category"]),
    (
        "method",
        "Hình thức lựa chọn nhà thầu",
        &["hinh thuc", "hinh thuc lcnt"],
    ),
    ("procedure", "Phương thức", &["phuong thuc"]),
    (
        "international",
        "Đấu thầu quốc tế",
        &["quoc te", "dau thau quoc te"],
    ),
    (
        "package_price_vnd",
        "Giá gói thầu",
        &[
            "gia goi thau",
            "gia goi thau (dong)",
            "package price",
            "price",
        ],
    ),
    ("funding_source", "Nguồn vốn", &["nguon von"]),
    ("contract_type", "Loại hợp đồng", &["loai hop dong"]),
    (
        "online",
        "Qua mạng",
        &[
            "qua mang",
            "lua chon qua mang",
            "lcnt qua mang",
            "dau thau qua mang",
        ],
    ),
    (
        "online_exempt_reason",
        "Lý do không qua mạng",
        &["ly do khong qua mang", "ly do"],
    ),
    ("status", "Trạng thái", &["trang thai"]),
    (
        "result_date",
        "Ngày phê duyệt kết quả",
        &["ngay phe duyet ket qua", "ngay ket qua"],
    ),
    (
        "winning_price_vnd",
        "Giá trúng thầu",
        &["gia trung thau", "winning price"],
    ),
    (
        "contractor_name",
        "Nhà thầu trúng thầu",
        &["nha thau trung thau", "nha thau", "contractor"],
    ),
    ("notes", "Ghi chú", &["ghi chu"]),
];

/// Columns every file needs (`unit_code` too, unless the import names one unit for all rows).
pub const REQUIRED: &[&str] = &[
    "name",
    "plan_year",
    "field",
    "method",
    "package_price_vnd",
    "online",
];

fn header_key(h: &str) -> String {
    fold(h).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Which known column each header is (`None` for a column bidtrack does not know).
pub fn map_headers(headers: &[String]) -> Result<Vec<Option<&'static str>>, FileError> {
    let mut seen: Vec<&'static str> = Vec::new();
    let mut out = Vec::with_capacity(headers.len());
    for h in headers {
        let key = header_key(h);
        let found = COLUMNS.iter().find(|(wire, vi, aliases)| {
            key == *wire || key == header_key(vi) || aliases.contains(&key.as_str())
        });
        let column = found.map(|(wire, _, _)| *wire);
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

/// `15/03/2019`, `2019-03-15` (or what a date cell of a workbook becomes).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .or_else(|_| NaiveDate::parse_from_str(s, "%d-%m-%Y"))
        .ok()
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

    #[test]
    fn csv_delimiters_and_encodings() {
        let s = read_csv("\u{feff}Tên gói thầu;Giá gói thầu\nA;1.000\n\n".as_bytes()).expect("csv");
        assert_eq!(s.headers, ["Tên gói thầu", "Giá gói thầu"]);
        assert_eq!(s.rows, [(2, vec!["A".to_owned(), "1.000".to_owned()])]);
        let tab = read_csv(b"name\tprice\nA\t1\n").expect("tab");
        assert_eq!(tab.rows[0].1, ["A", "1"]);
        assert_eq!(
            read_csv(b"just one column\nA\n").err(),
            Some(FileError::Delimiter)
        );
        assert_eq!(read_csv(b"").err(), Some(FileError::Empty));
        // "Tên gói thầu" in Windows-1258
        let legacy = b"T\xEAn g\xF3i th\xE2\xF2u,Gi\xE1\nA,1\n";
        assert!(matches!(read_csv(legacy), Err(FileError::NotUtf8 { .. })));
    }

    #[test]
    fn line_numbers_as_an_editor_counts_them() {
        let lines = |bytes: &[u8]| -> Vec<usize> {
            read_csv(bytes)
                .expect("csv")
                .rows
                .iter()
                .map(|(l, _)| *l)
                .collect()
        };
        // Old Mac files end lines with a lone CR; Windows with CRLF; a quoted cell may span lines.
        assert_eq!(lines(b"name,price\rA,1\rB,2\r"), [2, 3]);
        assert_eq!(lines(b"name,price\r\nA,1\r\n\r\nB,2\r\n"), [2, 4]);
        assert_eq!(lines(b"\n\nname,price\nA,\"1\n2\"\nB,3\n"), [4, 6]);
        // A stray CR inside a row splits it; the two halves are on different lines.
        assert_eq!(lines(b"name,price\nA,no\rte\n"), [2, 3]);
    }
}
