//! The printable HTML report: the same table as every other format in Vietnamese number forms
//! (`1.234.567.000`, `48,79%`, `05/03/2019`), the columns marked for print only, a totals line
//! under a list with summed columns, an A4-landscape print stylesheet, and for the compliance
//! report an SVG chart drawn on the server (online share per child unit against the target
//! line, green when met, red when not). No script at all.

use super::table::{Cell, Column, Kind, Row, RowKind, Table, vi_datetime, vi_percent, vi_share};
use crate::domain::compliance::Percent;
use crate::domain::money::group_thousands;
use crate::services::compliance::Computation;
use askama::Template;

pub struct HtmlCell {
    pub text: String,
    pub numeric: bool,
}

pub struct HtmlRow {
    pub class: &'static str,
    pub cells: Vec<HtmlCell>,
}

pub struct Bar {
    pub label: String,
    pub value: String,
    pub class: &'static str,
    pub y: u32,
    pub text_y: u32,
    pub width: u32,
    pub value_x: u32,
}

/// A horizontal bar chart, laid out in Rust so the template only places shapes.
pub struct Chart {
    pub title: String,
    pub width: u32,
    pub height: u32,
    pub plot_x: u32,
    pub label_x: u32,
    pub top: u32,
    pub bottom: u32,
    pub bar_height: u32,
    pub target_x: u32,
    pub target_label: String,
    pub target_label_y: u32,
    pub bars: Vec<Bar>,
}

const PLOT_WIDTH: u32 = 560;

fn x_for(hundredths: i64) -> u32 {
    let clamped = hundredths.clamp(0, 10_000) as u64;
    (clamped * u64::from(PLOT_WIDTH) / 10_000) as u32
}

impl Chart {
    /// Online share by count of each child unit of the computation's root under the first
    /// target in force (each child under its own rule for that target, when it has one); none
    /// without a target.
    pub fn compliance(c: &Computation) -> Option<Chart> {
        let children: Vec<_> = c.children(c.root.id).collect();
        let rule = c.rules.first()?;
        if children.is_empty() {
            return None;
        }
        let (plot_x, label_x, top, row, bar_height) = (330, 320, 28, 30, 20);
        let target = i64::from(rule.min_count_percent) * 100;
        let bars: Vec<Bar> = children
            .iter()
            .enumerate()
            .map(|(i, u)| {
                let own = c.targets_of(u.id);
                let f = own
                    .iter()
                    .find(|t| t.rule.target == rule.target_key())
                    .map(|t| t.figures.clone())
                    .unwrap_or_else(|| {
                        crate::services::compliance::Figures::new(Default::default(), rule)
                    });
                let y = top + 6 + i as u32 * row;
                let width = f.share_percent.map_or(0, |p| x_for(p.hundredths));
                Bar {
                    label: u.name.clone(),
                    value: f
                        .share_percent
                        .map_or_else(|| "không có gói".to_owned(), vi_percent),
                    class: match f.met {
                        Some(true) => "met",
                        Some(false) => "not-met",
                        None => "none",
                    },
                    y,
                    text_y: y + 15,
                    width: width.max(1),
                    value_x: plot_x + width + 6,
                }
            })
            .collect();
        let bottom = top + 12 + bars.len() as u32 * row;
        Some(Chart {
            title: format!(
                "Tỷ lệ gói thầu qua mạng theo đơn vị, {}: tối thiểu {}%",
                rule.name, rule.min_count_percent
            ),
            width: plot_x + PLOT_WIDTH + 80,
            height: bottom + 8,
            plot_x,
            label_x,
            top,
            bottom,
            bar_height,
            target_x: plot_x + x_for(target),
            target_label: format!("Chỉ tiêu {}", vi_percent(Percent { hundredths: target })),
            target_label_y: top - 10,
            bars,
        })
    }
}

#[derive(Template)]
#[template(path = "report.html")]
struct Page<'a> {
    /// Heading level of the title: 1 alone, 2 inside a page.
    level: u8,
    title: &'a str,
    scope: &'a [(String, String)],
    chart: Option<&'a Chart>,
    headers: Vec<&'a str>,
    rows: Vec<HtmlRow>,
}

fn show(cell: &Cell, kind: Kind) -> String {
    match cell {
        Cell::Int(v) if kind == Kind::Code => v.to_string(),
        Cell::Int(v) => group_thousands(*v),
        Cell::Money(v) => group_thousands(*v),
        Cell::Percent(Some(p)) => vi_percent(*p),
        Cell::Share { num, den } => vi_share(*num, *den),
        Cell::Date(Some(d)) => d.format("%d/%m/%Y").to_string(),
        Cell::DateTime(Some(t)) => vi_datetime(*t),
        other => other.plain().into_owned(),
    }
}

/// The columns printed, by index.
fn printed(table: &Table) -> Vec<(usize, &Column)> {
    table
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.printed)
        .collect()
}

fn html_row(r: &Row, columns: &[(usize, &Column)]) -> HtmlRow {
    HtmlRow {
        class: match r.kind {
            RowKind::Data => "",
            RowKind::Subtotal => "subtotal",
            RowKind::Total => "total",
        },
        cells: columns
            .iter()
            .map(|(i, col)| {
                let cell = r.cells.get(*i).unwrap_or(&Cell::Empty);
                // The unit's name, indented by its depth in the tree.
                let indent = if col.key == "name" && r.level > 0 {
                    "\u{2003}".repeat(r.level as usize)
                } else {
                    String::new()
                };
                HtmlCell {
                    text: format!("{indent}{}", show(cell, col.kind)),
                    numeric: matches!(
                        col.kind,
                        Kind::Integer | Kind::Code | Kind::Money | Kind::Percent
                    ),
                }
            })
            .collect(),
    }
}

/// The first `limit` rows, then the totals of the summed columns over every row, if any.
fn rows(table: &Table, limit: usize) -> Vec<HtmlRow> {
    let columns = printed(table);
    let mut out: Vec<HtmlRow> = table
        .rows
        .iter()
        .take(limit)
        .map(|r| html_row(r, &columns))
        .collect();
    if table.columns.iter().any(|c| c.summed) {
        out.push(html_row(
            &Row::totals(&table.columns, &table.rows),
            &columns,
        ));
    }
    out
}

fn headers(table: &Table) -> Vec<&str> {
    printed(table)
        .into_iter()
        .map(|(_, c)| c.header.as_str())
        .collect()
}

/// The printable document: A4 landscape, no script.
pub fn write(table: &Table, chart: Option<&Chart>) -> Result<String, askama::Error> {
    Page {
        level: 1,
        title: &table.title,
        scope: &table.scope,
        chart,
        headers: headers(table),
        rows: rows(table, usize::MAX),
    }
    .render()
}

#[derive(Template)]
#[template(path = "report_body.html")]
struct Body<'a> {
    level: u8,
    title: &'a str,
    scope: &'a [(String, String)],
    chart: Option<&'a Chart>,
    headers: Vec<&'a str>,
    rows: Vec<HtmlRow>,
}

/// The same report as a fragment for a page of the site (its stylesheet styles it), with at most
/// `limit` rows.
pub fn fragment(
    table: &Table,
    chart: Option<&Chart>,
    limit: usize,
) -> Result<String, askama::Error> {
    Body {
        level: 2,
        title: &table.title,
        scope: &table.scope,
        chart,
        headers: headers(table),
        rows: rows(table, limit),
    }
    .render()
}

/// A report of several tables in one printable document: the first with the report's heading
/// and chart, the others after it under their own titles.
pub fn write_parts(tables: &[Table], chart: Option<&Chart>) -> Result<String, askama::Error> {
    let Some((first, rest)) = tables.split_first() else {
        return Ok(String::new());
    };
    let page = write(first, chart)?;
    let mut parts = String::new();
    for t in rest {
        let without_scope = Table {
            scope: Vec::new(),
            ..t.clone()
        };
        parts.push_str(&fragment(&without_scope, None, usize::MAX)?);
    }
    Ok(match page.rfind("</body>") {
        Some(at) => format!("{}{parts}{}", &page[..at], &page[at..]),
        None => page + &parts,
    })
}
