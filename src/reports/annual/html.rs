//! The printable annual report: the document the XLSX is, for a browser's print (A4 landscape,
//! header rows repeated on each page, the signature block at the end), from the same
//! [`AnnualReport`]. Figures in Vietnamese forms (`1.234`, `6,03%`); no script.

use super::{AnnualReport, MONEY, MOTTO, NATIONAL, measure_cell};
use crate::domain::money::group_thousands;
use crate::reports::table::{Cell, vi_share};
use askama::Template;

pub struct HeadGroup {
    pub label: &'static str,
    pub span: usize,
}

pub struct HtmlRow {
    pub class: &'static str,
    pub stt: &'static str,
    pub label: &'static str,
    pub depth: u8,
    pub cells: Vec<String>,
}

pub struct HtmlTable {
    pub key: &'static str,
    pub title: &'static str,
    pub groups: Vec<HeadGroup>,
    pub measures: Vec<&'static str>,
    pub numbers: Vec<String>,
    pub rows: Vec<HtmlRow>,
}

pub struct Line {
    pub cells: Vec<String>,
    pub class: &'static str,
}

fn show(cell: &Cell) -> String {
    match cell {
        Cell::Int(v) => group_thousands(*v),
        Cell::Money(v) => group_thousands(*v),
        Cell::Share { num, den } => vi_share(*num, *den),
        other => other.plain().into_owned(),
    }
}

fn pct(p: &Option<String>) -> String {
    p.as_deref()
        .map_or_else(String::new, |p| format!("{}%", p.replace('.', ",")))
}

fn tables(r: &AnnualReport) -> Vec<HtmlTable> {
    r.tables
        .iter()
        .map(|t| {
            let measures: Vec<&'static str> = t
                .groups
                .iter()
                .flat_map(|g| g.measures.iter().map(|m| m.label))
                .collect();
            let numbers = (1..=measures.len() + 2).map(|n| format!("({n})")).collect();
            HtmlTable {
                key: t.key,
                title: t.title,
                groups: t
                    .groups
                    .iter()
                    .map(|g| HeadGroup {
                        label: g.label,
                        span: g.measures.len(),
                    })
                    .collect(),
                numbers,
                rows: t
                    .rows
                    .iter()
                    .map(|row| HtmlRow {
                        class: match row.style {
                            super::form::RowStyle::Heading => "heading",
                            super::form::RowStyle::Item => "item",
                            super::form::RowStyle::Split => "split",
                            super::form::RowStyle::Total => "total",
                        },
                        stt: row.stt,
                        label: row.label,
                        depth: row.depth,
                        cells: if row.cells.is_empty() {
                            vec![String::new(); measures.len()]
                        } else {
                            t.groups
                                .iter()
                                .zip(&row.cells)
                                .flat_map(|(g, c)| {
                                    g.measures.iter().map(|m| show(&measure_cell(c, m.key)))
                                })
                                .collect()
                        },
                    })
                    .collect(),
                measures,
            }
        })
        .collect()
}

fn reconciliation(r: &AnnualReport) -> Vec<Line> {
    r.reconciliation
        .lines
        .iter()
        .map(|l| (l, ""))
        .chain(std::iter::once((&r.reconciliation.total, "total")))
        .map(|(l, class)| Line {
            cells: vec![
                l.label.to_owned(),
                group_thousands(l.count),
                group_thousands(l.package_price),
                group_thousands(l.package_price_vnd),
            ],
            class,
        })
        .collect()
}

fn targets(r: &AnnualReport) -> Vec<Line> {
    r.comparison
        .targets
        .iter()
        .map(|t| Line {
            cells: vec![
                t.name.clone(),
                format!("{}%", t.min_count_percent),
                format!(
                    "{}/{}",
                    group_thousands(t.online),
                    group_thousands(t.in_scope)
                ),
                pct(&t.share_percent),
                t.verdict.to_owned(),
                t.min_value_percent
                    .map_or_else(|| "—".to_owned(), |v| format!("{v}%")),
                pct(&t.value_share_percent),
                t.value_verdict.unwrap_or("—").to_owned(),
                group_thousands(t.shortfall),
            ],
            class: match t.met {
                Some(false) => "not-met",
                _ => "",
            },
        })
        .collect()
}

fn roadmap(r: &AnnualReport) -> Vec<Line> {
    r.comparison
        .roadmap
        .iter()
        .map(|s| Line {
            cells: vec![
                s.years.clone(),
                s.name.clone(),
                format!("{}%", s.min_count_percent),
                s.min_value_percent
                    .map_or_else(|| "—".to_owned(), |v| format!("{v}%")),
                if s.in_force { "Đang áp dụng" } else { "" }.to_owned(),
            ],
            class: if s.in_force { "current" } else { "" },
        })
        .collect()
}

fn below(r: &AnnualReport) -> Vec<Line> {
    r.comparison
        .below_target
        .iter()
        .map(|b| Line {
            cells: vec![
                format!(
                    "{}{}",
                    "\u{2003}".repeat(b.depth.saturating_sub(1) as usize),
                    b.unit_name
                ),
                b.target.clone(),
                pct(&b.share_percent),
                format!("{}%", b.min_count_percent),
                pct(&b.value_share_percent),
                b.min_value_percent
                    .map_or_else(|| "—".to_owned(), |v| format!("{v}%")),
                group_thousands(b.shortfall),
            ],
            class: "",
        })
        .collect()
}

#[derive(Template)]
#[template(path = "annual_body.html")]
struct Body<'a> {
    level: u8,
    r: &'a AnnualReport,
    national: &'static str,
    motto: &'static str,
    money: &'static str,
    unit_upper: String,
    tables: Vec<HtmlTable>,
    reconciliation: Vec<Line>,
    targets: Vec<Line>,
    roadmap: Vec<Line>,
    below: Vec<Line>,
}

#[derive(Template)]
#[template(path = "annual.html")]
struct Document<'a> {
    title: &'a str,
    /// The body rendered (and escaped) by its own template.
    body: String,
}

fn body(r: &AnnualReport, level: u8) -> Body<'_> {
    Body {
        level,
        r,
        national: NATIONAL,
        motto: MOTTO,
        money: MONEY,
        unit_upper: r.unit.name.to_uppercase(),
        tables: tables(r),
        reconciliation: reconciliation(r),
        targets: targets(r),
        roadmap: roadmap(r),
        below: below(r),
    }
}

/// The standalone printable document.
pub fn document(r: &AnnualReport) -> Result<String, askama::Error> {
    Document {
        title: &r.title,
        body: body(r, 1).render()?,
    }
    .render()
}

/// The same document inside a page of the site.
pub fn fragment(r: &AnnualReport) -> Result<String, askama::Error> {
    body(r, 2).render()
}
