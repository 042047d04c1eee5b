//! XLSX for the finance department: a title and the report's scope above the table, a bold
//! frozen header with an autofilter, numbers as numeric cells (`#,##0`; years, months and ids
//! without grouping), shares as the exact ratio with a percent format, instants as Vietnam-time
//! date cells, totals in bold, and a page set up for printing (A4 landscape, one page wide, the
//! header repeated on every page). Small reports get column widths fitted to their contents;
//! long lists are streamed through a constant-memory worksheet (rows go to a temporary file as
//! they are written), with widths set by column kind. A list with summed columns ends with a
//! SUBTOTAL row, a formula over the rows already written, so streaming needs no second pass.

use super::table::{Cell, Column, Kind, Row, RowKind, TOTAL_LABEL, Table, total_label_column};
use rust_xlsxwriter::{Format, FormatBorder, Formula, Workbook, Worksheet, XlsxError};

const SHEET: &str = "Báo cáo";

/// Excel's paper size code for A4.
const A4: u8 = 9;

/// Text, number, percent and date formats for one weight.
struct Weight {
    text: Format,
    number: Format,
    code: Format,
    percent: Format,
    date: Format,
    datetime: Format,
}

impl Weight {
    fn new(bold: bool) -> Self {
        let base = if bold {
            Format::new().set_bold()
        } else {
            Format::new()
        };
        Weight {
            text: base.clone(),
            number: base.clone().set_num_format("#,##0"),
            code: base.clone().set_num_format("0"),
            percent: base.clone().set_num_format("0.00%"),
            date: base.clone().set_num_format("dd/mm/yyyy"),
            datetime: base.set_num_format("dd/mm/yyyy hh:mm"),
        }
    }
}

struct Formats {
    title: Format,
    label: Format,
    header: Format,
    plain: Weight,
    bold: Weight,
}

impl Formats {
    fn new() -> Self {
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            label: Format::new().set_bold(),
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_border_bottom(FormatBorder::Thin),
            plain: Weight::new(false),
            bold: Weight::new(true),
        }
    }
}

/// The row of the header: title, one line per scope item, a blank line, then the header.
fn header_row(table: &Table) -> u32 {
    table.scope.len() as u32 + 2
}

fn write_title_and_scope(
    sheet: &mut Worksheet,
    table: &Table,
    f: &Formats,
) -> Result<(), XlsxError> {
    sheet.write_string_with_format(0, 0, &table.title, &f.title)?;
    for (i, (k, v)) in table.scope.iter().enumerate() {
        sheet.write_string_with_format(1 + i as u32, 0, k, &f.label)?;
        sheet.write_string(1 + i as u32, 1, v)?;
    }
    Ok(())
}

fn write_header(sheet: &mut Worksheet, table: &Table, f: &Formats) -> Result<(), XlsxError> {
    for (col, c) in table.columns.iter().enumerate() {
        sheet.write_string_with_format(header_row(table), col as u16, &c.header, &f.header)?;
    }
    Ok(())
}

fn write_row(
    sheet: &mut Worksheet,
    at: u32,
    r: &Row,
    columns: &[Column],
    f: &Formats,
) -> Result<(), XlsxError> {
    let plain = r.kind == RowKind::Data;
    let w = if plain { &f.plain } else { &f.bold };
    for (col, cell) in r.cells.iter().enumerate() {
        let kind = columns.get(col).map(|c| c.kind);
        let col = col as u16;
        match cell {
            Cell::Empty
            | Cell::Percent(None)
            | Cell::Share { den: 0, .. }
            | Cell::Bool(None)
            | Cell::Date(None)
            | Cell::DateTime(None) => {}
            Cell::Text(s) if col == 0 && r.level > 0 => {
                // Indent by depth so the tree reads at a glance.
                sheet.write_string_with_format(
                    at,
                    col,
                    format!("{}{s}", "    ".repeat(r.level as usize)),
                    &w.text,
                )?;
            }
            // A data row's text has the default format: written without one, since
            // rust_xlsxwriter hashes a cell's format to find its index, and text is most cells
            // of a long list (a third of the list's writing time went to that hashing).
            Cell::Text(s) if plain => {
                sheet.write_string(at, col, s.as_ref())?;
            }
            Cell::Text(s) => {
                sheet.write_string_with_format(at, col, s.as_ref(), &w.text)?;
            }
            // Amounts stay exact as f64 up to 2^53 đồng (9 million billion).
            Cell::Int(v) => {
                let format = if kind == Some(Kind::Code) {
                    &w.code
                } else {
                    &w.number
                };
                sheet.write_number_with_format(at, col, *v as f64, format)?;
            }
            Cell::Money(v) => {
                sheet.write_number_with_format(at, col, *v as f64, &w.number)?;
            }
            Cell::Percent(Some(p)) => {
                sheet.write_number_with_format(
                    at,
                    col,
                    p.hundredths as f64 / 10_000.0,
                    &w.percent,
                )?;
            }
            // The one place a float stands for a figure: the spreadsheet's own arithmetic on the
            // cells beside it must agree with this one, so it gets the ratio, not a rounding.
            Cell::Share { num, den } => {
                sheet.write_number_with_format(at, col, *num as f64 / *den as f64, &w.percent)?;
            }
            Cell::Bool(Some(_)) if plain => {
                sheet.write_string(at, col, cell.plain())?;
            }
            Cell::Bool(Some(_)) => {
                sheet.write_string_with_format(at, col, cell.plain(), &w.text)?;
            }
            Cell::Date(Some(d)) => {
                sheet.write_date_with_format(at, col, d, &w.date)?;
            }
            // Spreadsheets have no time zones: the cell holds the wall-clock time in Vietnam.
            Cell::DateTime(Some(t)) => {
                sheet.write_datetime_with_format(at, col, t.naive_local(), &w.datetime)?;
            }
        }
    }
    Ok(())
}

/// Column sums of a list's summed columns, added up as rows are written: the cached results of
/// the SUBTOTAL formulas, which readers that do not recalculate (and previews) show.
struct Sums(Vec<(u16, i128)>);

impl Sums {
    fn new(columns: &[Column]) -> Self {
        Sums(
            columns
                .iter()
                .enumerate()
                .filter(|(_, c)| c.summed)
                .map(|(i, _)| (i as u16, 0))
                .collect(),
        )
    }

    fn add(&mut self, r: &Row) {
        if r.kind != RowKind::Data {
            return;
        }
        for (col, sum) in &mut self.0 {
            if let Some(Cell::Money(v)) = r.cells.get(usize::from(*col)) {
                *sum += *v;
            }
        }
    }
}

/// The totals line under the data rows `first..=last`: SUBTOTAL(109, …) rather than SUM, so a
/// reader who filters the list sees the totals of the rows shown.
fn write_totals(
    sheet: &mut Worksheet,
    at: u32,
    columns: &[Column],
    (first, last): (u32, u32),
    sums: &Sums,
    f: &Formats,
) -> Result<(), XlsxError> {
    if sums.0.is_empty() {
        return Ok(());
    }
    if let Some(label) = total_label_column(columns) {
        sheet.write_string_with_format(at, label as u16, TOTAL_LABEL, &f.bold.text)?;
    }
    for (col, sum) in &sums.0 {
        if last < first {
            // No rows: a range "below the header" would point at the header itself.
            sheet.write_number_with_format(at, *col, 0.0, &f.bold.number)?;
            continue;
        }
        let range = rust_xlsxwriter::cell_range(first, *col, last, *col);
        let formula = Formula::new(format!("=SUBTOTAL(109,{range})")).set_result(sum.to_string());
        sheet.write_formula_with_format(at, *col, formula, &f.bold.number)?;
    }
    Ok(())
}

/// A4 landscape, one page wide and as many long as needed, the header row on every page.
fn page_setup(sheet: &mut Worksheet, table: &Table) -> Result<(), XlsxError> {
    sheet.set_paper_size(A4);
    sheet.set_landscape();
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(header_row(table), header_row(table))?;
    Ok(())
}

/// Autofilter over the header and the data rows (not the totals below them), header frozen.
fn finish_sheet(sheet: &mut Worksheet, table: &Table, last_data_row: u32) -> Result<(), XlsxError> {
    let last_col = table.columns.len().saturating_sub(1) as u16;
    sheet.autofilter(
        header_row(table),
        0,
        last_data_row.max(header_row(table)),
        last_col,
    )?;
    sheet.set_freeze_panes(header_row(table) + 1, 0)?;
    page_setup(sheet, table)
}

/// A whole table in one workbook.
pub fn write(table: &Table) -> Result<Vec<u8>, XlsxError> {
    write_parts(&[(SHEET, table)])
}

/// A report of several tables, one sheet each, named as given (at most 31 characters).
pub fn write_parts(tables: &[(&str, &Table)]) -> Result<Vec<u8>, XlsxError> {
    let f = Formats::new();
    let mut workbook = Workbook::new();
    for (name, table) in tables {
        let sheet = workbook.add_worksheet();
        sheet.set_name(*name)?;
        fill(sheet, table, &f)?;
    }
    workbook.save_to_buffer()
}

/// One table on one sheet: header, rows, totals, filter, page setup, then the title above.
fn fill(sheet: &mut Worksheet, table: &Table, f: &Formats) -> Result<(), XlsxError> {
    write_header(sheet, table, f)?;
    let first = header_row(table) + 1;
    let mut sums = Sums::new(&table.columns);
    for (i, r) in table.rows.iter().enumerate() {
        write_row(sheet, first + i as u32, r, &table.columns, f)?;
        sums.add(r);
    }
    let next = first + table.rows.len() as u32;
    write_totals(sheet, next, &table.columns, (first, next - 1), &sums, f)?;
    let last_data = table
        .rows
        .iter()
        .rposition(|r| r.kind == RowKind::Data)
        .map_or(first - 1, |i| first + i as u32);
    finish_sheet(sheet, table, last_data)?;
    // Fit the columns to the table only: the long title and scope lines would widen column A.
    sheet.autofit();
    write_title_and_scope(sheet, table, f)
}

/// A workbook written row by row: the heading from a table without rows, then the rows in
/// chunks; memory stays flat whatever the number of rows.
pub struct Stream {
    workbook: Workbook,
    head: Table,
    formats: Formats,
    first_row: u32,
    next_row: u32,
    sums: Sums,
}

impl Stream {
    pub fn begin(head: &Table) -> Result<Self, XlsxError> {
        let f = Formats::new();
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name(SHEET)?;
        for (col, c) in head.columns.iter().enumerate() {
            let width = match c.kind {
                Kind::Text => 24.0,
                Kind::Money => 18.0,
                Kind::Date => 12.0,
                Kind::DateTime => 16.0,
                Kind::Integer | Kind::Code | Kind::Percent | Kind::Bool => 11.0,
            };
            sheet.set_column_width(col as u16, width)?;
        }
        // A constant-memory sheet takes its rows in order: the heading first.
        write_title_and_scope(sheet, head, &f)?;
        write_header(sheet, head, &f)?;
        let head = Table {
            rows: Vec::new(),
            ..head.clone()
        };
        let next_row = header_row(&head) + 1;
        let sums = Sums::new(&head.columns);
        Ok(Stream {
            workbook,
            head,
            formats: f,
            first_row: next_row,
            next_row,
            sums,
        })
    }

    pub fn push(&mut self, rows: &[Row]) -> Result<(), XlsxError> {
        let sheet = self.workbook.worksheet_from_index(0)?;
        for r in rows {
            write_row(sheet, self.next_row, r, &self.head.columns, &self.formats)?;
            self.sums.add(r);
            self.next_row += 1;
        }
        Ok(())
    }

    /// The workbook, in an anonymous temporary file rewound to its start (deleted when closed):
    /// a long list's workbook is megabytes, which a server sending several at once should not
    /// hold in memory.
    pub fn finish(mut self) -> Result<std::fs::File, XlsxError> {
        use std::io::Seek;
        let last = self.next_row - 1;
        let sheet = self.workbook.worksheet_from_index(0)?;
        write_totals(
            sheet,
            self.next_row,
            &self.head.columns,
            (self.first_row, last),
            &self.sums,
            &self.formats,
        )?;
        finish_sheet(sheet, &self.head, last)?;
        let mut file = tempfile::tempfile()?;
        self.workbook.save_to_writer(&mut file)?;
        file.rewind()?;
        Ok(file)
    }
}
