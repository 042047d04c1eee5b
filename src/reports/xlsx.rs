//! XLSX for the finance department: a title and the report's scope above the table, a bold
//! frozen header with an autofilter, numbers as numeric cells (`#,##0`), shares as numbers with a
//! percent format, totals in bold. Small reports get column widths fitted to their contents;
//! long lists are streamed through a constant-memory worksheet (rows go to a temporary file as
//! they are written), with widths set by column kind.

use super::table::{Cell, Kind, Row, RowKind, Table};
use rust_xlsxwriter::{Format, FormatBorder, Workbook, Worksheet, XlsxError};

const SHEET: &str = "Báo cáo";

/// Text, number, percent and date formats for one weight.
struct Weight {
    text: Format,
    number: Format,
    percent: Format,
    date: Format,
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
            percent: base.clone().set_num_format("0.00%"),
            date: base.set_num_format("dd/mm/yyyy"),
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

fn write_row(sheet: &mut Worksheet, at: u32, r: &Row, f: &Formats) -> Result<(), XlsxError> {
    let w = if r.kind == RowKind::Data {
        &f.plain
    } else {
        &f.bold
    };
    for (col, cell) in r.cells.iter().enumerate() {
        let col = col as u16;
        match cell {
            Cell::Empty | Cell::Percent(None) | Cell::Bool(None) | Cell::Date(None) => {}
            Cell::Text(s) if col == 0 && r.level > 0 => {
                // Indent by depth so the tree reads at a glance.
                sheet.write_string_with_format(
                    at,
                    col,
                    format!("{}{s}", "    ".repeat(r.level as usize)),
                    &w.text,
                )?;
            }
            Cell::Text(s) => {
                sheet.write_string_with_format(at, col, s, &w.text)?;
            }
            // Amounts stay exact as f64 up to 2^53 đồng (9 million billion).
            Cell::Int(v) => {
                sheet.write_number_with_format(at, col, *v as f64, &w.number)?;
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
            Cell::Bool(Some(_)) => {
                sheet.write_string_with_format(at, col, cell.plain(), &w.text)?;
            }
            Cell::Date(Some(d)) => {
                sheet.write_date_with_format(at, col, d, &w.date)?;
            }
        }
    }
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
    Ok(())
}

/// A whole table in one workbook.
pub fn write(table: &Table) -> Result<Vec<u8>, XlsxError> {
    let f = Formats::new();
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(SHEET)?;
    write_header(sheet, table, &f)?;
    let first = header_row(table) + 1;
    for (i, r) in table.rows.iter().enumerate() {
        write_row(sheet, first + i as u32, r, &f)?;
    }
    let last_data = table
        .rows
        .iter()
        .rposition(|r| r.kind == RowKind::Data)
        .map_or(first - 1, |i| first + i as u32);
    finish_sheet(sheet, table, last_data)?;
    // Fit the columns to the table only: the long title and scope lines would widen column A.
    sheet.autofit();
    write_title_and_scope(sheet, table, &f)?;
    workbook.save_to_buffer()
}

/// A report of several tables, one sheet each, named as given (at most 31 characters).
pub fn write_parts(tables: &[(&str, &Table)]) -> Result<Vec<u8>, XlsxError> {
    let f = Formats::new();
    let mut workbook = Workbook::new();
    for (name, table) in tables {
        let sheet = workbook.add_worksheet();
        sheet.set_name(*name)?;
        write_header(sheet, table, &f)?;
        let first = header_row(table) + 1;
        for (i, r) in table.rows.iter().enumerate() {
            write_row(sheet, first + i as u32, r, &f)?;
        }
        let last_data = table
            .rows
            .iter()
            .rposition(|r| r.kind == RowKind::Data)
            .map_or(first - 1, |i| first + i as u32);
        finish_sheet(sheet, table, last_data)?;
        sheet.autofit();
        write_title_and_scope(sheet, table, &f)?;
    }
    workbook.save_to_buffer()
}

/// A workbook written row by row: the heading from a table without rows, then the rows in
/// chunks; memory stays flat whatever the number of rows.
pub struct Stream {
    workbook: Workbook,
    head: Table,
    formats: Formats,
    next_row: u32,
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
                Kind::Integer | Kind::Percent | Kind::Bool => 11.0,
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
        Ok(Stream {
            workbook,
            head,
            formats: f,
            next_row,
        })
    }

    pub fn push(&mut self, rows: &[Row]) -> Result<(), XlsxError> {
        let sheet = self.workbook.worksheet_from_index(0)?;
        for r in rows {
            write_row(sheet, self.next_row, r, &self.formats)?;
            self.next_row += 1;
        }
        Ok(())
    }

    pub fn finish(mut self) -> Result<Vec<u8>, XlsxError> {
        let last = self.next_row - 1;
        let sheet = self.workbook.worksheet_from_index(0)?;
        finish_sheet(sheet, &self.head, last)?;
        self.workbook.save_to_buffer()
    }
}
