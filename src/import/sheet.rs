//! Reading an uploaded file into rows of text, within bounds. Uploads come from any signed-in
//! officer and a spreadsheet is a compressed, self-describing format: a 2 KB XLSX can declare a
//! million-column sheet or ten million shared strings, a 48 MB CSV of commas one record of 48
//! million fields. So nothing here trusts what a file says about itself: rows, columns, cell
//! sizes and decompressed bytes are counted as they are read, and the read stops at the first
//! bound crossed, before anything proportional to the claim is allocated. Rows are stored
//! compactly (one string and the ends of its cells), so the memory a file costs is a small
//! multiple of its size.
//!
//! Reading is CPU work without I/O: callers run it on a blocking thread, never on an async worker.

use std::io::{Cursor, Read};

/// How much of a file an import reads before refusing it (`BIDTRACK_IMPORT_MAX_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// Data rows (blank rows are not counted).
    pub rows: usize,
    /// Columns holding a value; empty cells beyond them are ignored.
    pub columns: usize,
    /// Bytes in one cell (the longest field, notes, is 10,000 characters: up to 40 KB of UTF-8).
    pub cell_bytes: usize,
    /// Bytes an XLSX may decompress to, all parts together.
    pub unzipped_bytes: u64,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            rows: DEFAULT_MAX_ROWS,
            columns: DEFAULT_MAX_COLUMNS,
            cell_bytes: 64 * 1024,
            unzipped_bytes: DEFAULT_MAX_UNZIPPED_MB * 1024 * 1024,
        }
    }
}

pub const DEFAULT_MAX_ROWS: usize = 200_000;
pub const DEFAULT_MAX_COLUMNS: usize = 200;
pub const DEFAULT_MAX_UNZIPPED_MB: u64 = 512;

/// Parts of a workbook other than worksheets and shared strings (styles, workbook, relations,
/// themes) are read whole by the XLSX library; real ones are well under a megabyte.
const OTHER_PART_BYTES: u64 = 16 * 1024 * 1024;

impl Bounds {
    /// Shared strings a workbook may hold: ten a row is more than any package list needs
    /// (most cells of a row are numbers, codes repeat), and keeps their index bounded.
    pub fn shared_strings(&self) -> usize {
        self.rows.saturating_mul(10)
    }
}

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
    #[error("Tệp CSV hỏng ở dòng {row}: {message}")]
    Csv { row: u64, message: String },
    #[error("Không đọc được tệp Excel: {0}")]
    Xlsx(String),
    #[error("Cột «{0}» xuất hiện hai lần")]
    DuplicateColumn(String),
    #[error("Tệp có hơn {limit} dòng dữ liệu (giới hạn mỗi lần nhập); hãy chia thành nhiều tệp")]
    TooManyRows { limit: usize },
    #[error("Dòng {row} có giá trị ở cột thứ {column}: mỗi tệp nhập tối đa {limit} cột")]
    TooManyColumns {
        row: usize,
        column: usize,
        limit: usize,
    },
    #[error("Dòng {row} có một ô dài hơn {limit} byte (giới hạn một ô)")]
    CellTooLarge { row: usize, limit: usize },
    #[error(
        "Tệp Excel giải nén ra hơn {limit_mb} MB (giới hạn); hãy xoá các trang tính không cần hoặc chia tệp"
    )]
    Unzipped { limit_mb: u64 },
    #[error("Tệp Excel có hơn {limit} chuỗi văn bản dùng chung (giới hạn); hãy chia tệp")]
    TooManyStrings { limit: usize },
}

impl FileError {
    /// The stable code of the problem document.
    pub fn code(&self) -> &'static str {
        match self {
            FileError::Empty => "empty_file",
            FileError::NotUtf8 { .. } => "not_utf8",
            FileError::Delimiter => "unknown_delimiter",
            FileError::MissingColumns(_) => "missing_columns",
            FileError::Csv { .. } | FileError::Xlsx(_) => "unreadable_file",
            FileError::DuplicateColumn(_) => "duplicate_column",
            FileError::TooManyRows { .. }
            | FileError::TooManyColumns { .. }
            | FileError::CellTooLarge { .. }
            | FileError::Unzipped { .. }
            | FileError::TooManyStrings { .. } => "file_over_limits",
        }
    }
}

/// One row of a file: its number and its cells, trimmed, kept as one string and the ends of its
/// cells (an empty cell costs four bytes, not a `String`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    /// The row as a spreadsheet program shows it (the first is 1): for a CSV, record
    /// terminators before it plus one (blank lines count, a cell's own line breaks do not);
    /// for a workbook, its row number. Both kinds of file give the same numbers.
    pub row: usize,
    text: String,
    ends: Vec<u32>,
}

impl Record {
    pub fn from_cells<S: AsRef<str>>(row: usize, cells: impl IntoIterator<Item = S>) -> Self {
        let mut r = Record {
            row,
            ..Record::default()
        };
        for c in cells {
            r.push(c.as_ref());
        }
        r
    }

    fn push(&mut self, cell: &str) {
        self.text.push_str(cell.trim());
        // Bounded by columns × cell bytes, far below 4 GB.
        self.ends
            .push(u32::try_from(self.text.len()).unwrap_or(u32::MAX));
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The cell in column `i` (empty beyond the row's last cell).
    pub fn get(&self, i: usize) -> &str {
        let Some(end) = self.ends.get(i) else {
            return "";
        };
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.text.get(start as usize..*end as usize).unwrap_or("")
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).map(|i| self.get(i))
    }

    fn is_blank(&self) -> bool {
        self.text.is_empty()
    }

    /// Drops empty cells at the end of the row.
    fn trim_end(&mut self) {
        while self.ends.len() > 1 && self.ends[self.ends.len() - 2] as usize == self.text.len() {
            self.ends.pop();
        }
        if self.text.is_empty() {
            self.ends.clear();
        }
    }
}

/// A file as text: the header row and the data rows.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    pub headers: Vec<String>,
    pub rows: Vec<Record>,
    /// The header's row, numbered as the data rows are (0 for a sheet not read from a file).
    pub header_row: usize,
    /// Rows read but not packages (a row numbering the columns, total rows), with why.
    pub skipped: Vec<(usize, &'static str)>,
}

impl Sheet {
    /// Takes a finished row: the first non-blank one is the header.
    fn take(&mut self, mut record: Record, bounds: &Bounds) -> Result<(), FileError> {
        record.trim_end();
        if record.is_blank() {
            return Ok(());
        }
        if self.headers.is_empty() {
            self.header_row = record.row;
            self.headers = record.iter().map(str::to_owned).collect();
            return Ok(());
        }
        if self.rows.len() >= bounds.rows {
            return Err(FileError::TooManyRows { limit: bounds.rows });
        }
        self.rows.push(record);
        Ok(())
    }
}

/// CSV with `,`, `;` or tab between columns (guessed from the header), UTF-8 with or without a
/// byte order mark.
pub fn read_csv(bytes: &[u8], bounds: &Bounds) -> Result<Sheet, FileError> {
    use csv_core::ReadFieldResult;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|_| FileError::NotUtf8 {
        guessed: guess_encoding(bytes),
    })?;
    // The delimiter is the one the first line of several cells has most of: the header may
    // sit under a title of one cell (the national system's lists).
    const DELIMITERS: [u8; 3] = [b',', b';', b'\t'];
    let mut lines = text.lines().filter(|l| !l.trim().is_empty()).peekable();
    if lines.peek().is_none() {
        return Err(FileError::Empty);
    }
    let line = lines
        .take(super::HEADER_SEARCH_ROWS)
        .find(|l| l.bytes().any(|b| DELIMITERS.contains(&b)))
        .ok_or(FileError::Delimiter)?;
    let delimiter = DELIMITERS
        .into_iter()
        .max_by_key(|d| line.bytes().filter(|b| b == d).count())
        .ok_or(FileError::Delimiter)?;
    // csv-core rather than the csv crate's records: it hands over one field at a time into a
    // buffer of our size, so a record of millions of fields or a cell of megabytes is refused
    // at the bound instead of being built first.
    let mut reader = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
    let input = text.as_bytes();
    let mut field = vec![0u8; bounds.cell_bytes];
    let (mut pos, mut filled) = (0usize, 0usize);
    let mut sheet = Sheet::default();
    let mut record: Option<Record> = None;
    // Rows are numbered as a spreadsheet program numbers them when it opens the file (and as an
    // XLSX numbers its rows): every record terminator outside quotes starts a new row, `\r\n`,
    // `\n` and a lone `\r` (old Mac files, a stray carriage return) alike, blank lines count,
    // and a quoted cell holding line breaks stays one row. Counting lines as an editor shows
    // them instead put every row after such a cell further down than the officer sees it.
    let (mut record_start, mut ended_at, mut row) = (0usize, 0usize, 1usize);
    loop {
        let current = match record.as_mut() {
            Some(r) => r,
            None => {
                // The terminator of the last record (csv-core may have consumed part of it,
                // or all) and the blank lines after it: one row per line end.
                let mut run_start = ended_at;
                while run_start > record_start && matches!(input[run_start - 1], b'\r' | b'\n') {
                    run_start -= 1;
                }
                while input.get(pos).is_some_and(|b| matches!(b, b'\r' | b'\n')) {
                    pos += 1;
                }
                if pos >= input.len() {
                    break;
                }
                row += line_breaks(&input[run_start..pos]);
                record_start = pos;
                record.insert(Record {
                    row,
                    ..Record::default()
                })
            }
        };
        let (result, read, written) = reader.read_field(&input[pos..], &mut field[filled..]);
        pos += read;
        filled += written;
        match result {
            ReadFieldResult::InputEmpty => {}
            ReadFieldResult::OutputFull => {
                return Err(FileError::CellTooLarge {
                    row: current.row,
                    limit: bounds.cell_bytes,
                });
            }
            ReadFieldResult::Field { record_end } => {
                let cell = std::str::from_utf8(&field[..filled]).map_err(|e| FileError::Csv {
                    row: current.row as u64,
                    message: e.to_string(),
                })?;
                if current.len() < bounds.columns {
                    current.push(cell);
                } else if !cell.trim().is_empty() {
                    return Err(FileError::TooManyColumns {
                        row: current.row,
                        column: current.len() + 1,
                        limit: bounds.columns,
                    });
                }
                filled = 0;
                if record_end && let Some(done) = record.take() {
                    ended_at = pos;
                    sheet.take(done, bounds)?;
                }
            }
            ReadFieldResult::End => break,
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
    // A sample is enough to guess an encoding; the whole file would cost its size in time.
    let sample = &bytes[..bytes.len().min(64 * 1024)];
    detector.feed(sample, true);
    detector
        .guess(Some(b"vn"), chardetng::Utf8Detection::Deny)
        .name()
        .to_owned()
}

/// Is this an XLSX file (a ZIP container)?
pub fn is_xlsx(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// The first worksheet of an XLSX workbook. Numbers and dates keep their meaning: a price cell
/// becomes its digits, a date cell an ISO date.
pub fn read_xlsx(bytes: &[u8], bounds: &Bounds) -> Result<Sheet, FileError> {
    use calamine::{Reader, Xlsx};
    let unreadable = |e: &dyn std::fmt::Display| FileError::Xlsx(e.to_string());
    // The library reserves what the shared-strings part declares and reads styles whole: the
    // parts are measured first, decompressed as a stream.
    scan_parts(bytes, bounds)?;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let first = book
        .sheet_names()
        .into_iter()
        .next()
        .ok_or(FileError::Empty)?;
    // Cells one at a time, never the library's `Range`: that is the rectangle between the
    // first and last cell, which a file with cells in A1 and XFD1048576 makes 17 billion cells.
    let mut cells = book
        .worksheet_cells_reader(&first)
        .map_err(|e| unreadable(&e))?;
    let mut sheet = Sheet::default();
    let mut row: Option<(u32, Vec<(u32, String)>)> = None;
    while let Some(cell) = cells.next_cell().map_err(|e| unreadable(&e))? {
        let (r, c) = cell.get_position();
        let value = cell_text(cell.get_value());
        if value.is_empty() {
            continue;
        }
        let line = r as usize + 1;
        if c as usize >= bounds.columns {
            return Err(FileError::TooManyColumns {
                row: line,
                column: c as usize + 1,
                limit: bounds.columns,
            });
        }
        if value.len() > bounds.cell_bytes {
            return Err(FileError::CellTooLarge {
                row: line,
                limit: bounds.cell_bytes,
            });
        }
        match &mut row {
            Some((current, values)) if *current == r => {
                // A row cannot hold more cells than columns unless cells repeat.
                if values.len() >= bounds.columns {
                    return Err(FileError::Xlsx(format!("dòng {line} lặp lại các ô")));
                }
                values.push((c, value));
            }
            Some((current, _)) if *current > r => {
                return Err(FileError::Xlsx(format!(
                    "dòng {line} nằm sau dòng {} trong tệp",
                    *current + 1
                )));
            }
            _ => {
                if let Some((done, values)) = row.replace((r, vec![(c, value)])) {
                    sheet.take(record_of(done, values), bounds)?;
                }
            }
        }
    }
    if let Some((done, values)) = row {
        sheet.take(record_of(done, values), bounds)?;
    }
    if sheet.headers.is_empty() {
        return Err(FileError::Empty);
    }
    Ok(sheet)
}

/// A workbook row's cells, in column order with the gaps empty (the last of repeated cells wins).
fn record_of(row: u32, mut values: Vec<(u32, String)>) -> Record {
    values.sort_by_key(|(c, _)| *c);
    let mut record = Record {
        row: row as usize + 1,
        ..Record::default()
    };
    let mut i = 0;
    while i < values.len() {
        let (c, _) = values[i];
        if i + 1 < values.len() && values[i + 1].0 == c {
            i += 1;
            continue;
        }
        while record.len() < c as usize {
            record.push("");
        }
        record.push(&values[i].1);
        i += 1;
    }
    record
}

fn cell_text(cell: &calamine::DataRef<'_>) -> String {
    use calamine::DataRef;
    match cell {
        DataRef::Empty => String::new(),
        DataRef::String(s) => s.trim().to_owned(),
        DataRef::SharedString(s) => s.trim().to_owned(),
        DataRef::Int(v) => v.to_string(),
        DataRef::Float(v) if v.fract() == 0.0 && v.abs() < 9.0e15 => format!("{}", *v as i64),
        DataRef::Float(v) => v.to_string(),
        DataRef::Bool(b) => b.to_string(),
        // A date, or a date and time when the cell holds one (a bid closing time).
        DataRef::DateTime(d) => d
            .as_datetime()
            .map(|t| {
                if t.time() == chrono::NaiveTime::MIN {
                    t.date().to_string()
                } else {
                    t.format("%Y-%m-%d %H:%M").to_string()
                }
            })
            .unwrap_or_default(),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => format!("#{e:?}"),
    }
}

/// Decompresses every part of the workbook as a stream, counting bytes, and counts the shared
/// strings (and reads the count the file declares): nothing is kept.
fn scan_parts(bytes: &[u8], bounds: &Bounds) -> Result<(), FileError> {
    let unreadable = |e: &dyn std::fmt::Display| FileError::Xlsx(e.to_string());
    let over = FileError::Unzipped {
        limit_mb: bounds.unzipped_bytes / (1024 * 1024),
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|e| unreadable(&e))?;
        let name = part
            .name()
            .map_err(|e| unreadable(&e))?
            .to_ascii_lowercase();
        let left = bounds.unzipped_bytes.saturating_sub(total);
        let budget = if name.contains("worksheets/") || name.ends_with("sharedstrings.xml") {
            left
        } else {
            left.min(OTHER_PART_BYTES)
        };
        let mut counted = Counted {
            inner: (&mut part).take(budget.saturating_add(1)),
            bytes: 0,
        };
        let outcome = if name.ends_with("sharedstrings.xml") {
            count_shared_strings(&mut counted, bounds)
        } else {
            std::io::copy(&mut counted, &mut std::io::sink())
                .map(|_| ())
                .map_err(|e| unreadable(&e))
        };
        if counted.bytes > budget {
            return Err(over);
        }
        outcome?;
        total += counted.bytes;
    }
    Ok(())
}

fn count_shared_strings(part: &mut impl Read, bounds: &Bounds) -> Result<(), FileError> {
    use quick_xml::events::Event;
    let limit = bounds.shared_strings();
    let too_many = FileError::TooManyStrings { limit };
    let mut xml = quick_xml::Reader::from_reader(std::io::BufReader::new(part));
    let mut buf = Vec::with_capacity(1024);
    let mut strings = 0usize;
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) => match e.local_name().into_inner() {
                "sst" => {
                    for attr in e.attributes().flatten() {
                        if attr.key.local_name().into_inner() == "uniqueCount"
                            && attr
                                .value
                                .trim()
                                .parse::<u64>()
                                .map_or(true, |n| n > limit as u64)
                        {
                            return Err(too_many);
                        }
                    }
                }
                "si" => {
                    strings += 1;
                    if strings > limit {
                        return Err(too_many);
                    }
                }
                _ => {}
            },
            Ok(Event::Eof) => return Ok(()),
            // The library reports a malformed part better; here only the size matters, and a
            // truncated read (over the budget) ends in an error too.
            Err(_) => return Ok(()),
            Ok(_) => {}
        }
    }
}

/// A reader that counts what passes through it.
struct Counted<R> {
    inner: R,
    bytes: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(sheet: &Sheet) -> Vec<(usize, Vec<&str>)> {
        sheet
            .rows
            .iter()
            .map(|r| (r.row, r.iter().collect()))
            .collect()
    }

    #[test]
    fn csv_delimiters_and_encodings() {
        let b = Bounds::default();
        let s = read_csv(
            "\u{feff}Tên gói thầu;Giá gói thầu\nA;1.000\n\n".as_bytes(),
            &b,
        )
        .expect("csv");
        assert_eq!(s.headers, ["Tên gói thầu", "Giá gói thầu"]);
        assert_eq!(rows(&s), [(2, vec!["A", "1.000"])]);
        let tab = read_csv(b"name\tprice\nA\t1\n", &b).expect("tab");
        assert_eq!(rows(&tab), [(2, vec!["A", "1"])]);
        let quoted = read_csv(b"name,notes\n\"A, B\",\"say \"\"hi\"\"\"\n", &b).expect("quoted");
        assert_eq!(rows(&quoted), [(2, vec!["A, B", "say \"hi\""])]);
        assert_eq!(
            read_csv(b"just one column\nA\n", &b).err(),
            Some(FileError::Delimiter)
        );
        assert_eq!(read_csv(b"", &b).err(), Some(FileError::Empty));
        assert_eq!(read_csv(b"\n\r\n", &b).err(), Some(FileError::Empty));
        // "Tên gói thầu" in Windows-1258
        let legacy = b"T\xEAn g\xF3i th\xE2\xF2u,Gi\xE1\nA,1\n";
        assert!(matches!(
            read_csv(legacy, &b),
            Err(FileError::NotUtf8 { .. })
        ));
    }

    #[test]
    fn rows_numbered_as_a_spreadsheet_shows_them() {
        let rows = |bytes: &[u8]| -> Vec<usize> {
            read_csv(bytes, &Bounds::default())
                .expect("csv")
                .rows
                .iter()
                .map(|r| r.row)
                .collect()
        };
        // The same sheet with each kind of line end: LF (Unix), CRLF (Windows, Excel's
        // default), a lone CR (old Mac files). A blank line is a row, as the spreadsheet shows.
        for end in ["\n", "\r\n", "\r"] {
            let file = ["name,price", "A,1", "", "B,2", ""].join(end);
            assert_eq!(rows(file.as_bytes()), [2, 4], "{end:?}");
        }
        // A quoted cell holding line breaks, of any kind, is one row.
        for inner in ["\n", "\r\n", "\r"] {
            for end in ["\n", "\r\n"] {
                let file = format!("{end}{end}name,notes{end}A,\"1{inner}2{inner}3\"{end}B,3{end}");
                assert_eq!(rows(file.as_bytes()), [4, 5], "{inner:?} in {end:?}");
            }
        }
        // A stray CR outside quotes ends a row, as it does in a spreadsheet program.
        assert_eq!(rows(b"name,price\nA,no\rte\n"), [2, 3]);
        // Blank rows (only separators) are skipped but counted.
        assert_eq!(rows(b"name,price\n,\nA,1"), [3]);
        assert_eq!(rows(b"name,price\r\n,\r\nA,1\r\n"), [3]);
    }

    #[test]
    fn csv_bounds_stop_the_read() {
        let b = Bounds {
            rows: 2,
            columns: 3,
            cell_bytes: 8,
            ..Bounds::default()
        };
        assert!(read_csv(b"a,b,c\n1,2,3\n4,5,6\n", &b).is_ok());
        assert_eq!(
            read_csv(b"a,b,c\n1,2,3\n4,5,6\n7,8,9\n", &b).err(),
            Some(FileError::TooManyRows { limit: 2 })
        );
        assert_eq!(
            read_csv(b"a,b,c\n1,2,3,4\n", &b).err(),
            Some(FileError::TooManyColumns {
                row: 2,
                column: 4,
                limit: 3
            })
        );
        // Empty cells past the bound are nothing to refuse (spreadsheet programs add them).
        let trailing = read_csv(b"a,b,c,,,,,,\n1,2,3,,,,,\n", &b).expect("trailing");
        assert_eq!(trailing.headers, ["a", "b", "c"]);
        assert_eq!(
            read_csv(b"a,b\n123456789,1\n", &b).err(),
            Some(FileError::CellTooLarge { row: 2, limit: 8 })
        );
        // A header of commas only is blank: there is no header at all.
        let commas = vec![b','; 1_000_000];
        assert_eq!(read_csv(&commas, &b).err(), Some(FileError::Empty));
    }

    #[test]
    fn records_store_cells_compactly() {
        let r = Record::from_cells(7, ["a", "", " b ", "", ""]);
        assert_eq!(r.iter().collect::<Vec<_>>(), ["a", "", "b", "", ""]);
        assert_eq!((r.get(2), r.get(9)), ("b", ""));
        let mut t = r.clone();
        t.trim_end();
        assert_eq!(t.iter().collect::<Vec<_>>(), ["a", "", "b"]);
        let mut blank = Record::from_cells(1, ["", ""]);
        blank.trim_end();
        assert!(blank.is_empty() && blank.is_blank());
    }
}
