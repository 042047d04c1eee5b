//! The annual report as a workbook to hand over as is: per table a sheet with the national
//! heading, the reporting unit, the title and period, "Đơn vị tính: triệu đồng", two header rows
//! with merged group cells, the numbered columns row, the rows with bold totals, the footnotes
//! and the signature block; A4 landscape, one page wide, the header rows repeated on each page,
//! panes frozen below the header and right of the content column. A last sheet holds the
//! reconciliation and the comparison with the targets.

use super::form::RowStyle;
use super::{AnnualReport, FormTable, MONEY, MOTTO, NATIONAL, measure_cell};
use crate::reports::table::Cell;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

/// Excel's paper size code for A4.
const A4: u8 = 9;

pub const NOTES_SHEET: &str = "Đối chiếu và so sánh";

/// Where the table's header starts (0-based): heading, title, period and unit lines above.
pub const HEADER_ROW: u32 = 7;

struct F {
    bold_center: Format,
    motto: Format,
    title: Format,
    italic_center: Format,
    italic_right: Format,
    head: Format,
    number_head: Format,
    text: [Format; 2],
    text_center: [Format; 2],
    number: [Format; 2],
    percent: [Format; 2],
    wrap: Format,
}

impl F {
    fn new() -> Self {
        let border = |f: Format| f.set_border(FormatBorder::Thin);
        let weights = |f: &dyn Fn(Format) -> Format| {
            [
                f(border(Format::new())),
                f(border(Format::new().set_bold())),
            ]
        };
        F {
            bold_center: Format::new().set_bold().set_align(FormatAlign::Center),
            motto: Format::new()
                .set_bold()
                .set_underline(rust_xlsxwriter::FormatUnderline::Single)
                .set_align(FormatAlign::Center),
            title: Format::new()
                .set_bold()
                .set_font_size(13)
                .set_align(FormatAlign::Center)
                .set_text_wrap(),
            italic_center: Format::new().set_italic().set_align(FormatAlign::Center),
            italic_right: Format::new().set_italic().set_align(FormatAlign::Right),
            head: border(
                Format::new()
                    .set_bold()
                    .set_text_wrap()
                    .set_align(FormatAlign::Center)
                    .set_align(FormatAlign::VerticalCenter),
            ),
            number_head: border(Format::new().set_italic().set_align(FormatAlign::Center)),
            text: weights(&|f| f.set_text_wrap()),
            text_center: weights(&|f| f.set_align(FormatAlign::Center)),
            number: weights(&|f| f.set_num_format("#,##0")),
            percent: weights(&|f| f.set_num_format("0.00%")),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
        }
    }
}

/// The national heading, the unit, and the title lines over `width` columns.
fn heading(
    sheet: &mut Worksheet,
    r: &AnnualReport,
    subtitle: &str,
    width: u16,
    f: &F,
) -> Result<(), XlsxError> {
    let last = width - 1;
    let split = (width / 3).max(2);
    sheet.merge_range(
        0,
        0,
        0,
        split - 1,
        &r.unit.name.to_uppercase(),
        &f.bold_center,
    )?;
    sheet.merge_range(0, split, 0, last, NATIONAL, &f.bold_center)?;
    sheet.merge_range(1, split, 1, last, MOTTO, &f.motto)?;
    sheet.merge_range(3, 0, 3, last, &r.title, &f.title)?;
    sheet.merge_range(4, 0, 4, last, subtitle, &f.bold_center)?;
    sheet.merge_range(
        5,
        0,
        5,
        last,
        &format!("Kỳ báo cáo: {}", r.period_label),
        &f.italic_center,
    )?;
    sheet.merge_range(
        6,
        0,
        6,
        last,
        &format!("Đơn vị tính: {MONEY}"),
        &f.italic_right,
    )?;
    Ok(())
}

/// The signature block from `at`: the preparer on the left, the place, date and head of the
/// unit on the right.
fn signature(
    sheet: &mut Worksheet,
    r: &AnnualReport,
    at: u32,
    width: u16,
    f: &F,
) -> Result<u32, XlsxError> {
    let last = width - 1;
    let split = (width / 2).max(2);
    let s = &r.signature;
    sheet.merge_range(at, split, at, last, &s.place_date, &f.italic_center)?;
    sheet.merge_range(at + 1, 0, at + 1, split - 1, s.preparer, &f.bold_center)?;
    sheet.merge_range(at + 1, split, at + 1, last, s.head, &f.bold_center)?;
    sheet.merge_range(at + 2, 0, at + 2, split - 1, s.sign_note, &f.italic_center)?;
    sheet.merge_range(at + 2, split, at + 2, last, s.seal_note, &f.italic_center)?;
    Ok(at + 7)
}

/// A4 landscape, one page wide; `repeat`: the header rows printed on every page.
fn page_setup(sheet: &mut Worksheet, repeat: Option<(u32, u32)>) -> Result<(), XlsxError> {
    sheet.set_paper_size(A4);
    sheet.set_landscape();
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_print_center_horizontally(true);
    sheet.set_margins(0.4, 0.4, 0.5, 0.5, 0.3, 0.3);
    if let Some((first, last)) = repeat {
        sheet.set_repeat_rows(first, last)?;
    }
    Ok(())
}

fn form_sheet(
    sheet: &mut Worksheet,
    r: &AnnualReport,
    t: &FormTable,
    f: &F,
) -> Result<(), XlsxError> {
    let measures: usize = t.groups.iter().map(|g| g.measures.len()).sum();
    let width = (measures + 2) as u16;
    heading(sheet, r, t.title, width, f)?;
    let (h1, h2, h3) = (HEADER_ROW, HEADER_ROW + 1, HEADER_ROW + 2);
    sheet.merge_range(h1, 0, h2, 0, "STT", &f.head)?;
    sheet.merge_range(h1, 1, h2, 1, "Nội dung", &f.head)?;
    let mut col: u16 = 2;
    for g in &t.groups {
        let span = g.measures.len() as u16;
        if span > 1 {
            sheet.merge_range(h1, col, h1, col + span - 1, g.label, &f.head)?;
        } else {
            sheet.write_string_with_format(h1, col, g.label, &f.head)?;
        }
        for (i, m) in g.measures.iter().enumerate() {
            sheet.write_string_with_format(h2, col + i as u16, m.label, &f.head)?;
        }
        col += span;
    }
    for c in 0..width {
        sheet.write_string_with_format(h3, c, format!("({})", c + 1), &f.number_head)?;
    }
    sheet.set_row_height(h1, 30)?;
    sheet.set_row_height(h2, 45)?;
    let mut at = h3 + 1;
    for row in &t.rows {
        let w = usize::from(matches!(
            row.style,
            RowStyle::Heading | RowStyle::Item | RowStyle::Total
        ));
        sheet.write_string_with_format(at, 0, row.stt, &f.text_center[w])?;
        let indent = "   ".repeat(usize::from(row.depth.saturating_sub(1)));
        sheet.write_string_with_format(at, 1, format!("{indent}{}", row.label), &f.text[w])?;
        let mut col: u16 = 2;
        if row.cells.is_empty() {
            for c in 2..width {
                sheet.write_blank(at, c, &f.text[w])?;
            }
        }
        for (g, cell) in t.groups.iter().zip(&row.cells) {
            for m in &g.measures {
                match measure_cell(cell, m.key) {
                    Cell::Int(v) => {
                        sheet.write_number_with_format(at, col, v as f64, &f.number[w])?;
                    }
                    // Millions stay exact as f64 far beyond any budget.
                    Cell::Money(v) => {
                        sheet.write_number_with_format(at, col, v as f64, &f.number[w])?;
                    }
                    // The spreadsheet gets the exact ratio, so its own arithmetic agrees.
                    Cell::Share { num, den } if den != 0 => {
                        sheet.write_number_with_format(
                            at,
                            col,
                            num as f64 / den as f64,
                            &f.percent[w],
                        )?;
                    }
                    _ => {
                        sheet.write_blank(at, col, &f.percent[w])?;
                    }
                }
                col += 1;
            }
        }
        at += 1;
    }
    at += 1;
    sheet.write_string_with_format(at, 0, "Ghi chú:", &f.bold_center)?;
    at += 1;
    for (i, note) in r.footnotes.iter().enumerate() {
        sheet.merge_range(at, 0, at, width - 1, &format!("{}. {note}", i + 1), &f.wrap)?;
        sheet.set_row_height(at, 45)?;
        at += 1;
    }
    signature(sheet, r, at + 1, width, f)?;
    sheet.set_column_width(0, 6)?;
    sheet.set_column_width(1, 34)?;
    for c in 2..width {
        sheet.set_column_width(c, 12)?;
    }
    sheet.set_freeze_panes(h3 + 1, 2)?;
    page_setup(sheet, Some((h1, h3)))
}

fn notes_sheet(sheet: &mut Worksheet, r: &AnnualReport, f: &F) -> Result<(), XlsxError> {
    let width: u16 = 9;
    heading(sheet, r, "ĐỐI CHIẾU VÀ SO SÁNH VỚI CHỈ TIÊU", width, f)?;
    let mut at = HEADER_ROW;
    let header = |sheet: &mut Worksheet, at: u32, cols: &[&str]| -> Result<(), XlsxError> {
        for (i, h) in cols.iter().enumerate() {
            sheet.write_string_with_format(at, i as u16, *h, &f.head)?;
        }
        Ok(())
    };
    sheet.write_string_with_format(at, 0, "I. Đối chiếu với danh sách gói thầu", &f.text[1])?;
    at += 1;
    header(
        sheet,
        at,
        &[
            "Nội dung",
            "Số gói thầu",
            &format!("Giá gói thầu ({MONEY})"),
            "Giá gói thầu (đồng)",
        ],
    )?;
    at += 1;
    let rec = &r.reconciliation;
    for (l, w) in rec.lines.iter().map(|l| (l, 0)).chain([(&rec.total, 1)]) {
        sheet.write_string_with_format(at, 0, l.label, &f.text[w])?;
        sheet.write_number_with_format(at, 1, l.count as f64, &f.number[w])?;
        sheet.write_number_with_format(at, 2, l.package_price as f64, &f.number[w])?;
        sheet.write_number_with_format(at, 3, l.package_price_vnd as f64, &f.number[w])?;
        at += 1;
    }
    sheet.merge_range(at, 0, at, width - 1, &rec.note, &f.wrap)?;
    sheet.set_row_height(at, 30)?;
    at += 2;
    let c = &r.comparison;
    sheet.write_string_with_format(
        at,
        0,
        "II. Kết quả lựa chọn nhà thầu qua mạng so với chỉ tiêu và lộ trình",
        &f.text[1],
    )?;
    at += 1;
    if let Some(msg) = &c.no_target {
        sheet.write_string(at, 0, msg)?;
        at += 1;
    }
    if !c.targets.is_empty() {
        header(
            sheet,
            at,
            &[
                "Chỉ tiêu",
                "Tối thiểu theo số lượng (%)",
                "Số gói qua mạng",
                "Số gói thuộc phạm vi",
                "Đạt được theo số lượng",
                "Đánh giá",
                "Tối thiểu theo giá trị (%)",
                "Đạt được theo giá trị",
                "Đánh giá",
            ],
        )?;
        at += 1;
        for t in &c.targets {
            sheet.write_string_with_format(at, 0, &t.name, &f.text[0])?;
            sheet.write_number_with_format(at, 1, f64::from(t.min_count_percent), &f.number[0])?;
            sheet.write_number_with_format(at, 2, t.online as f64, &f.number[0])?;
            sheet.write_number_with_format(at, 3, t.in_scope as f64, &f.number[0])?;
            write_share(sheet, at, 4, t.online.into(), t.in_scope.into(), f)?;
            sheet.write_string_with_format(at, 5, t.verdict, &f.text[0])?;
            match t.min_value_percent {
                Some(v) => sheet.write_number_with_format(at, 6, f64::from(v), &f.number[0])?,
                None => sheet.write_string_with_format(at, 6, "—", &f.text_center[0])?,
            };
            write_share(sheet, at, 7, t.value_online_vnd, t.value_in_scope_vnd, f)?;
            sheet.write_string_with_format(at, 8, t.value_verdict.unwrap_or("—"), &f.text[0])?;
            at += 1;
        }
    }
    at += 1;
    sheet.write_string_with_format(at, 0, "Lộ trình", &f.text[1])?;
    at += 1;
    header(
        sheet,
        at,
        &[
            "Chỉ tiêu",
            "Năm",
            "Tối thiểu theo số lượng (%)",
            "Tối thiểu theo giá trị (%)",
            "Áp dụng cho năm báo cáo",
        ],
    )?;
    at += 1;
    for s in &c.roadmap {
        let w = usize::from(s.in_force);
        sheet.write_string_with_format(at, 0, &s.name, &f.text[w])?;
        sheet.write_string_with_format(at, 1, &s.years, &f.text_center[w])?;
        sheet.write_number_with_format(at, 2, f64::from(s.min_count_percent), &f.number[w])?;
        match s.min_value_percent {
            Some(v) => sheet.write_number_with_format(at, 3, f64::from(v), &f.number[w])?,
            None => sheet.write_string_with_format(at, 3, "—", &f.text_center[w])?,
        };
        sheet.write_string_with_format(
            at,
            4,
            if s.in_force { "Có" } else { "" },
            &f.text_center[w],
        )?;
        at += 1;
    }
    at += 1;
    sheet.write_string_with_format(at, 0, "Đơn vị chưa đạt chỉ tiêu", &f.text[1])?;
    at += 1;
    if c.below_target.is_empty() {
        sheet.write_string(at, 0, "Không có đơn vị trực thuộc nào chưa đạt chỉ tiêu.")?;
        at += 1;
    } else {
        header(
            sheet,
            at,
            &[
                "Đơn vị",
                "Chỉ tiêu",
                "Tỷ lệ theo số lượng (%)",
                "Tối thiểu (%)",
                "Tỷ lệ theo giá trị (%)",
                "Tối thiểu (%)",
                "Số gói cần thêm",
            ],
        )?;
        at += 1;
        for b in &c.below_target {
            let indent = "   ".repeat(b.depth.saturating_sub(1) as usize);
            sheet.write_string_with_format(
                at,
                0,
                format!("{indent}{}", b.unit_name),
                &f.text[0],
            )?;
            sheet.write_string_with_format(at, 1, &b.target, &f.text[0])?;
            sheet.write_string_with_format(
                at,
                2,
                b.share_percent.as_deref().unwrap_or(""),
                &f.text_center[0],
            )?;
            sheet.write_number_with_format(at, 3, f64::from(b.min_count_percent), &f.number[0])?;
            sheet.write_string_with_format(
                at,
                4,
                b.value_share_percent.as_deref().unwrap_or(""),
                &f.text_center[0],
            )?;
            match b.min_value_percent {
                Some(v) => sheet.write_number_with_format(at, 5, f64::from(v), &f.number[0])?,
                None => sheet.write_string_with_format(at, 5, "—", &f.text_center[0])?,
            };
            sheet.write_number_with_format(at, 6, b.shortfall as f64, &f.number[0])?;
            at += 1;
        }
    }
    sheet.merge_range(at, 0, at, width - 1, &c.note, &f.wrap)?;
    sheet.set_row_height(at, 30)?;
    signature(sheet, r, at + 2, width, f)?;
    sheet.set_column_width(0, 48)?;
    for col in 1..width {
        sheet.set_column_width(col, 14)?;
    }
    page_setup(sheet, None)
}

fn write_share(
    sheet: &mut Worksheet,
    at: u32,
    col: u16,
    num: i128,
    den: i128,
    f: &F,
) -> Result<(), XlsxError> {
    if den == 0 {
        sheet.write_blank(at, col, &f.percent[0])?;
    } else {
        sheet.write_number_with_format(at, col, num as f64 / den as f64, &f.percent[0])?;
    }
    Ok(())
}

pub fn write(r: &AnnualReport) -> Result<Vec<u8>, XlsxError> {
    let f = F::new();
    let mut workbook = Workbook::new();
    for t in &r.tables {
        let sheet = workbook.add_worksheet();
        sheet.set_name(t.sheet)?;
        form_sheet(sheet, r, t, &f)?;
    }
    let sheet = workbook.add_worksheet();
    sheet.set_name(NOTES_SHEET)?;
    notes_sheet(sheet, r, &f)?;
    workbook.save_to_buffer()
}
