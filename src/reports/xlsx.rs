//! XLSX for the finance department: a title and the report's scope above the table, a bold
//! frozen header with an autofilter, numbers as numeric cells (`#,##0`), shares as numbers with a
//! percent format, totals in bold, column widths that fit.

use super::table::{Cell, RowKind, Table};
use rust_xlsxwriter::{Format, FormatBorder, Workbook, XlsxError};

pub fn write(table: &Table) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Báo cáo")?;

    let title = Format::new().set_bold().set_font_size(14);
    let label = Format::new().set_bold();
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_border_bottom(FormatBorder::Thin);
    let formats = |bold: bool| {
        let base = if bold {
            Format::new().set_bold()
        } else {
            Format::new()
        };
        (
            base.clone(),
            base.clone().set_num_format("#,##0"),
            base.clone().set_num_format("0.00%"),
            base.clone().set_num_format("dd/mm/yyyy"),
        )
    };
    let plain = formats(false);
    let bold = formats(true);

    // Title and scope go above the table: one line each, then a blank line.
    let header_row = table.scope.len() as u32 + 2;
    let mut row = header_row;
    for (col, c) in table.columns.iter().enumerate() {
        sheet.write_string_with_format(header_row, col as u16, &c.header, &header)?;
    }
    for r in &table.rows {
        row += 1;
        let (text, number, percent, date) = if r.kind == RowKind::Data {
            &plain
        } else {
            &bold
        };
        for (col, cell) in r.cells.iter().enumerate() {
            let col = col as u16;
            match cell {
                Cell::Empty => {}
                Cell::Text(s) if col == 0 && r.level > 0 => {
                    // Indent by depth so the tree reads at a glance.
                    sheet.write_string_with_format(
                        row,
                        col,
                        format!("{}{s}", "    ".repeat(r.level as usize)),
                        text,
                    )?;
                }
                Cell::Text(s) => {
                    sheet.write_string_with_format(row, col, s, text)?;
                }
                // Amounts stay exact as f64 up to 2^53 đồng (9 million billion).
                Cell::Int(v) | Cell::Money(v) => {
                    sheet.write_number_with_format(row, col, *v as f64, number)?;
                }
                Cell::Percent(Some(p)) => {
                    sheet.write_number_with_format(
                        row,
                        col,
                        p.hundredths as f64 / 10_000.0,
                        percent,
                    )?;
                }
                Cell::Bool(Some(_)) => {
                    sheet.write_string_with_format(row, col, cell.plain(), text)?;
                }
                Cell::Date(Some(d)) => {
                    sheet.write_date_with_format(row, col, d, date)?;
                }
                Cell::Percent(None) | Cell::Bool(None) | Cell::Date(None) => {}
            }
        }
    }
    let last_col = table.columns.len().saturating_sub(1) as u16;
    let last_data_row = table
        .rows
        .iter()
        .rposition(|r| r.kind == RowKind::Data)
        .map_or(header_row, |i| header_row + 1 + i as u32);
    sheet.autofilter(header_row, 0, last_data_row, last_col)?;
    sheet.set_freeze_panes(header_row + 1, 0)?;
    // Fit the columns to the table only: the long title and scope lines would widen column A.
    sheet.autofit();
    sheet.write_string_with_format(0, 0, &table.title, &title)?;
    for (i, (k, v)) in table.scope.iter().enumerate() {
        sheet.write_string_with_format(1 + i as u32, 0, k, &label)?;
        sheet.write_string(1 + i as u32, 1, v)?;
    }
    workbook.save_to_buffer()
}
