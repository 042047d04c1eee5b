//! The official report on contractor selection (báo cáo tình hình thực hiện công tác đấu thầu):
//! the yearly report a finance department submits by 1 February, and its six-month variant.
//! Two tables in the layout of [`form`] (packages of investment projects by project group, and
//! of recurrent procurement), in millions of đồng; the reconciliation of every package of the
//! scope (what the tables hold, what they cannot: no result yet, no project, cancelled) with the
//! package list's totals; and the online results against the targets and the roadmap, from the
//! one compliance computation. JSON, CSV, XLSX and the printable HTML are written from the one
//! [`AnnualReport`] built here.

pub mod form;
mod html;
mod xlsx;

use super::summary::MoneyUnit;
use super::table::{self, Cell, Column, Kind, Row, RowKind, Table};
use super::{Format, Rendered, generated_line, verdict};
use crate::db;
use crate::db::annual::{AnnualGroup, Standing};
use crate::domain::compliance::View;
use crate::error::{AppError, FieldError};
use entity::{ProjectKind, unit};
use form::{GroupDef, GroupSel, RowStyle, TableDef};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The period a report covers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// The whole year: results up to 31 December.
    #[default]
    Year,
    /// The first six months: results up to 30 June.
    Half,
}

impl Period {
    pub const ALL: &'static [Period] = &[Period::Year, Period::Half];

    pub const fn as_str(self) -> &'static str {
        match self {
            Period::Year => "year",
            Period::Half => "half",
        }
    }

    pub const fn label_vi(self) -> &'static str {
        match self {
            Period::Year => "Cả năm",
            Period::Half => "6 tháng đầu năm",
        }
    }

    /// The last day a result counts in the period.
    pub fn end(self, year: i32) -> Option<chrono::NaiveDate> {
        match self {
            Period::Year => chrono::NaiveDate::from_ymd_opt(year, 12, 31),
            Period::Half => chrono::NaiveDate::from_ymd_opt(year, 6, 30),
        }
    }

    fn heading(self, year: i32) -> String {
        match self {
            Period::Year => format!("NĂM {year}"),
            Period::Half => format!("6 THÁNG ĐẦU NĂM {year}"),
        }
    }
}

impl std::str::FromStr for Period {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Period::ALL
            .iter()
            .find(|p| p.as_str() == s)
            .copied()
            .ok_or_else(|| format!("unknown period `{s}` (expected year or half)"))
    }
}

/// Which table a CSV holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnnualPart {
    #[default]
    Investment,
    Recurrent,
}

impl AnnualPart {
    pub const fn as_str(self) -> &'static str {
        match self {
            AnnualPart::Investment => "investment",
            AnnualPart::Recurrent => "recurrent",
        }
    }

    pub const fn label_vi(self) -> &'static str {
        match self {
            AnnualPart::Investment => "Biểu 1 – gói thầu thuộc dự án đầu tư",
            AnnualPart::Recurrent => "Biểu 2 – gói thầu mua sắm thường xuyên",
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitRef {
    pub id: i64,
    pub code: String,
    pub name: String,
}

/// A heading of a column group and its measures.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupHead {
    pub key: &'static str,
    pub label: &'static str,
    pub measures: Vec<MeasureHead>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeasureHead {
    pub key: &'static str,
    pub label: &'static str,
}

/// The figures of one row under one column group: in millions of đồng as printed, and in exact
/// đồng.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct GroupCell {
    pub group: &'static str,
    pub count: i64,
    /// Millions of đồng, the sum of the rounded groups of packages (see the footnotes).
    #[schema(value_type = i64)]
    pub package_price: i128,
    #[schema(value_type = i64)]
    pub winning_price: i128,
    /// package_price − winning_price, so the printed line adds up.
    #[schema(value_type = i64)]
    pub savings: i128,
    /// Savings over the package prices, percent with two decimals, truncated; null without
    /// packages.
    #[schema(value_type = Option<String>, example = "6.03")]
    pub savings_rate: Option<String>,
    #[schema(value_type = i64)]
    pub package_price_vnd: i128,
    #[schema(value_type = i64)]
    pub winning_price_vnd: i128,
    #[schema(value_type = i64)]
    pub savings_vnd: i128,
}

impl GroupCell {
    fn add(&mut self, g: &AnnualGroup) {
        let m = MoneyUnit::Million;
        self.count += g.count;
        self.package_price += m.show(g.package_price_vnd);
        self.winning_price += m.show(g.winning_price_vnd);
        self.savings = self.package_price - self.winning_price;
        self.package_price_vnd += g.package_price_vnd;
        self.winning_price_vnd += g.winning_price_vnd;
        self.savings_vnd = self.package_price_vnd - self.winning_price_vnd;
        self.savings_rate =
            (self.package_price_vnd != 0).then(|| self.rate_cell().plain().into_owned());
    }

    /// The rate as a cell, from the exact đồng.
    fn rate_cell(&self) -> Cell {
        Cell::Share {
            num: self.savings_vnd,
            den: self.package_price_vnd,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FormRow {
    pub stt: &'static str,
    pub label: &'static str,
    pub style: RowStyle,
    pub depth: u8,
    /// One per column group, in the groups' order; empty for a heading.
    pub cells: Vec<GroupCell>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FormTable {
    /// `investment` or `recurrent`.
    pub key: &'static str,
    pub sheet: &'static str,
    pub title: &'static str,
    pub groups: Vec<GroupHead>,
    pub rows: Vec<FormRow>,
}

/// One line of the reconciliation.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ReconLine {
    /// investment_result, recurrent_result, investment_pending, recurrent_pending, unplaced,
    /// cancelled, total.
    pub key: &'static str,
    pub label: &'static str,
    pub count: i64,
    /// Millions of đồng (sum of the rounded groups).
    #[schema(value_type = i64)]
    pub package_price: i128,
    #[schema(value_type = i64)]
    pub package_price_vnd: i128,
}

impl ReconLine {
    fn add(&mut self, g: &AnnualGroup) {
        self.count += g.count;
        self.package_price += MoneyUnit::Million.show(g.package_price_vnd);
        self.package_price_vnd += g.package_price_vnd;
    }
}

/// Every package of the scope (the unit's subtree, the plan year), by where the report puts it;
/// the last line, their total, equals the package list's total for the same filter.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Reconciliation {
    pub lines: Vec<ReconLine>,
    pub total: ReconLine,
    pub note: String,
}

/// A target in force for the unit and the year, and what was achieved.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TargetLine {
    pub code: String,
    pub name: String,
    pub min_count_percent: i32,
    pub min_value_percent: Option<i32>,
    pub in_scope: i64,
    pub online: i64,
    #[schema(value_type = Option<String>, example = "50.00")]
    pub share_percent: Option<String>,
    pub met: Option<bool>,
    pub verdict: &'static str,
    pub shortfall: i64,
    #[schema(value_type = i64)]
    pub value_in_scope_vnd: i128,
    #[schema(value_type = i64)]
    pub value_online_vnd: i128,
    #[schema(value_type = Option<String>, example = "15.00")]
    pub value_share_percent: Option<String>,
    pub value_met: Option<bool>,
    pub value_verdict: Option<&'static str>,
}

/// A step of the roadmap: a rule and the years it covers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoadmapLine {
    pub code: String,
    pub name: String,
    pub years: String,
    pub min_count_percent: i32,
    pub min_value_percent: Option<i32>,
    /// In force for the report's year.
    pub in_force: bool,
}

/// A unit of the subtree below one of its targets, by count or by value.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BelowTarget {
    pub unit_code: String,
    pub unit_name: String,
    /// Levels below the report's unit.
    pub depth: u32,
    pub target: String,
    #[schema(value_type = Option<String>)]
    pub share_percent: Option<String>,
    pub min_count_percent: i32,
    #[schema(value_type = Option<String>)]
    pub value_share_percent: Option<String>,
    pub min_value_percent: Option<i32>,
    /// Packages that must go online to meet the count target.
    pub shortfall: i64,
}

/// Online results against the targets and the roadmap (the report outline's comparison).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Comparison {
    pub targets: Vec<TargetLine>,
    /// Why there is no target line, when none is in force.
    pub no_target: Option<String>,
    pub roadmap: Vec<RoadmapLine>,
    pub below_target: Vec<BelowTarget>,
    pub note: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Signature {
    /// "Hà Nội, ngày 06 tháng 12 năm 2026".
    pub place_date: String,
    pub preparer: &'static str,
    pub head: &'static str,
    pub sign_note: &'static str,
    pub seal_note: &'static str,
}

/// The official report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnnualReport {
    pub title: String,
    /// The circular whose forms the layout follows.
    pub circular: &'static str,
    pub unit: UnitRef,
    pub year: i32,
    pub period: Period,
    pub period_label: String,
    /// Always "triệu đồng".
    pub money_unit: &'static str,
    pub generated_at: String,
    pub tables: Vec<FormTable>,
    pub footnotes: Vec<&'static str>,
    pub reconciliation: Reconciliation,
    pub comparison: Comparison,
    pub signature: Signature,
    /// ASCII file name without extension.
    #[serde(skip)]
    pub file_stem: String,
}

pub const NATIONAL: &str = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM";
pub const MOTTO: &str = "Độc lập - Tự do - Hạnh phúc";
pub const MONEY: &str = "triệu đồng";

/// Where each group of packages goes: the table of its project's kind (investment projects
/// need their group too), or nowhere.
fn table_of(g: &AnnualGroup) -> Option<&'static TableDef> {
    let kind = g.kind?;
    if kind == ProjectKind::InvestmentProject && g.group.is_none() {
        return None;
    }
    form::TABLES.iter().find(|t| t.kind == kind)
}

fn in_group(def: &GroupDef, g: &AnnualGroup) -> bool {
    match def.sel {
        GroupSel::All => true,
        GroupSel::Group(x) => g.group == Some(x),
    }
}

fn form_table(def: &TableDef, groups: &[AnnualGroup]) -> FormTable {
    let placed: Vec<&AnnualGroup> = groups
        .iter()
        .filter(|g| g.standing == Standing::Result)
        .filter(|g| table_of(g).is_some_and(|t| t.key == def.key))
        .collect();
    let rows = form::rows()
        .into_iter()
        .map(|r| {
            let cells = match r.sel {
                None => Vec::new(),
                Some(sel) => def
                    .groups
                    .iter()
                    .map(|gd| {
                        let mut cell = GroupCell {
                            group: gd.key,
                            ..GroupCell::default()
                        };
                        for g in placed.iter().filter(|g| {
                            in_group(gd, g)
                                && sel.matches(g.field, g.method, g.international, g.online)
                        }) {
                            cell.add(g);
                        }
                        cell
                    })
                    .collect(),
            };
            FormRow {
                stt: r.stt,
                label: r.label,
                style: r.style,
                depth: r.depth,
                cells,
            }
        })
        .collect();
    FormTable {
        key: def.key,
        sheet: def.sheet,
        title: def.title,
        groups: def
            .groups
            .iter()
            .map(|g| GroupHead {
                key: g.key,
                label: g.label,
                measures: g
                    .measures()
                    .iter()
                    .map(|m| MeasureHead {
                        key: m.key(),
                        label: m.label(),
                    })
                    .collect(),
            })
            .collect(),
        rows,
    }
}

fn reconcile(groups: &[AnnualGroup]) -> Reconciliation {
    let mut lines = vec![
        ReconLine {
            key: "investment_result",
            label: "Gói thầu thuộc dự án đầu tư đã có kết quả đến hết kỳ (Biểu 1)",
            ..ReconLine::default()
        },
        ReconLine {
            key: "recurrent_result",
            label: "Gói thầu mua sắm thường xuyên đã có kết quả đến hết kỳ (Biểu 2)",
            ..ReconLine::default()
        },
        ReconLine {
            key: "investment_pending",
            label: "Gói thầu thuộc dự án đầu tư chưa có kết quả đến hết kỳ",
            ..ReconLine::default()
        },
        ReconLine {
            key: "recurrent_pending",
            label: "Gói thầu mua sắm thường xuyên chưa có kết quả đến hết kỳ",
            ..ReconLine::default()
        },
        ReconLine {
            key: "unplaced",
            label: "Gói thầu chưa gắn với dự án đầu tư hay dự toán mua sắm (không xác định được \
                    biểu, nhóm dự án)",
            ..ReconLine::default()
        },
        ReconLine {
            key: "cancelled",
            label: "Gói thầu đã hủy",
            ..ReconLine::default()
        },
    ];
    let mut total = ReconLine {
        key: "total",
        label: "Cộng: mọi gói thầu của kế hoạch năm (bằng danh sách gói thầu cùng phạm vi)",
        ..ReconLine::default()
    };
    for g in groups {
        let key = match (g.standing, table_of(g).map(|t| t.key)) {
            (Standing::Cancelled, _) => "cancelled",
            (_, None) => "unplaced",
            (Standing::Result, Some("investment")) => "investment_result",
            (Standing::Result, Some(_)) => "recurrent_result",
            (Standing::Pending, Some("investment")) => "investment_pending",
            (Standing::Pending, Some(_)) => "recurrent_pending",
        };
        if let Some(line) = lines.iter_mut().find(|l| l.key == key) {
            line.add(g);
        }
        total.add(g);
    }
    Reconciliation {
        lines,
        total,
        note: "Phạm vi: mọi gói thầu thuộc kế hoạch lựa chọn nhà thầu của năm báo cáo của đơn vị \
               và các đơn vị trực thuộc, như danh sách gói thầu lọc theo đơn vị và năm kế hoạch. \
               Số đồng chính xác ở cột cuối; số triệu đồng là tổng các số đã làm tròn."
            .to_owned(),
    }
}

fn percent_text(p: Option<crate::domain::compliance::Percent>) -> Option<String> {
    p.map(|p| p.to_string())
}

fn years_text(from: i32, to: Option<i32>) -> String {
    match to {
        Some(to) if to == from => from.to_string(),
        Some(to) => format!("{from}–{to}"),
        None => format!("từ {from}"),
    }
}

/// The comparison, from the compliance computation (plan view: the targets count packages by
/// plan year, as the tables do).
async fn compare(
    db: &impl ConnectionTrait,
    unit_id: i64,
    year: i32,
) -> Result<Comparison, AppError> {
    let c = crate::services::compliance::compute(db, unit_id, year, View::Plan).await?;
    let targets = c
        .targets()
        .into_iter()
        .map(|t| TargetLine {
            code: t.rule.code.clone(),
            name: t.rule.name.clone(),
            min_count_percent: t.rule.min_count_percent,
            min_value_percent: t.rule.min_value_percent,
            in_scope: t.figures.in_scope,
            online: t.figures.online,
            share_percent: percent_text(t.figures.share_percent),
            met: t.figures.met,
            verdict: verdict(t.figures.met),
            shortfall: t.figures.shortfall,
            value_in_scope_vnd: t.figures.value_in_scope_vnd,
            value_online_vnd: t.figures.value_online_vnd,
            value_share_percent: percent_text(t.figures.value_share_percent),
            value_met: t.figures.value_met,
            value_verdict: t
                .rule
                .min_value_percent
                .map(|_| verdict(t.figures.value_met)),
        })
        .collect::<Vec<_>>();
    let mut below_target = Vec::new();
    for row in c.tree(u32::MAX) {
        if row.depth == 0 {
            continue;
        }
        for t in c.targets_of(row.unit.id) {
            let f = &t.figures;
            if f.met == Some(false) || f.value_met == Some(false) {
                below_target.push(BelowTarget {
                    unit_code: row.unit.code.clone(),
                    unit_name: row.unit.name.clone(),
                    depth: row.depth,
                    target: t.rule.name.clone(),
                    share_percent: percent_text(f.share_percent),
                    min_count_percent: t.rule.min_count_percent,
                    value_share_percent: percent_text(f.value_share_percent),
                    min_value_percent: t.rule.min_value_percent,
                    shortfall: f.shortfall,
                });
            }
        }
    }
    let lineage = db::units::lineage(db, unit_id).await?;
    let mut rules = db::reference::target_rules(db).await?;
    rules.retain(|r| r.unit_id.is_none_or(|u| lineage.contains(&u)));
    rules.sort_by_key(|r| (r.year_from, r.id));
    let in_force: Vec<&str> = targets.iter().map(|t| t.code.as_str()).collect();
    let roadmap = rules
        .iter()
        .map(|r| RoadmapLine {
            code: r.code.clone(),
            name: r.name.clone(),
            years: years_text(r.year_from, r.year_to),
            min_count_percent: r.min_count_percent,
            min_value_percent: r.min_value_percent,
            in_force: in_force.contains(&r.code.as_str()),
        })
        .collect();
    Ok(Comparison {
        no_target: targets
            .is_empty()
            .then(|| crate::services::compliance::no_target_message(year)),
        targets,
        roadmap,
        below_target,
        note: "Tỷ lệ qua mạng tính theo kế hoạch năm (như báo cáo tuân thủ chỉ tiêu), theo số \
               lượng và theo giá trị gói thầu thuộc phạm vi của từng chỉ tiêu; đơn vị trực thuộc \
               xét theo chỉ tiêu áp dụng cho đơn vị đó."
            .to_owned(),
    })
}

/// "Hà Nội" from "Thành phố Hà Nội": the place a report is signed, from the province it
/// belongs to.
fn place_of(province: &str) -> String {
    let name = province.trim();
    for prefix in ["Thành phố ", "Tỉnh ", "TP. ", "TP "] {
        if let Some(rest) = name.strip_prefix(prefix) {
            return rest.to_owned();
        }
    }
    name.to_owned()
}

/// The report from the aggregate's groups and the comparison (pure, so its arithmetic is tested
/// without a database).
pub fn assemble(
    unit: &unit::Model,
    province: &str,
    year: i32,
    period: Period,
    groups: &[AnnualGroup],
    comparison: Comparison,
    generated_at: chrono::DateTime<chrono::Utc>,
) -> AnnualReport {
    let local = generated_at.with_timezone(&table::VIETNAM);
    AnnualReport {
        title: format!("{} {}", form::TITLE, period.heading(year)),
        circular: form::CIRCULAR,
        unit: UnitRef {
            id: unit.id,
            code: unit.code.clone(),
            name: unit.name.clone(),
        },
        year,
        period,
        period_label: match period {
            Period::Year => format!("Năm {year} (kết quả đến ngày 31/12/{year})"),
            Period::Half => format!("6 tháng đầu năm {year} (kết quả đến ngày 30/6/{year})"),
        },
        money_unit: MONEY,
        generated_at: generated_line(generated_at),
        tables: form::TABLES.iter().map(|t| form_table(t, groups)).collect(),
        footnotes: form::FOOTNOTES.to_vec(),
        reconciliation: reconcile(groups),
        comparison,
        signature: Signature {
            place_date: format!(
                "{}, ngày {} tháng {} năm {}",
                place_of(province),
                local.format("%d"),
                local.format("%m"),
                local.format("%Y")
            ),
            preparer: "NGƯỜI LẬP BIỂU",
            head: "THỦ TRƯỞNG ĐƠN VỊ",
            sign_note: "(Ký, ghi rõ họ tên)",
            seal_note: "(Ký tên, đóng dấu)",
        },
        file_stem: format!(
            "bao-cao-dau-thau_{}_{year}{}",
            unit.code,
            match period {
                Period::Year => "",
                Period::Half => "_6-thang",
            }
        ),
    }
}

pub async fn build(
    db: &impl ConnectionTrait,
    unit_id: i64,
    year: i32,
    period: Period,
    generated_at: chrono::DateTime<chrono::Utc>,
) -> Result<AnnualReport, AppError> {
    crate::services::compliance::check_year(year)?;
    let unit = db::units::find(db, unit_id)
        .await?
        .ok_or_else(|| AppError::not_found("đơn vị", unit_id))?;
    let end = period.end(year).ok_or_else(|| {
        AppError::Validation(vec![FieldError::new("year", "range", "Năm không hợp lệ")])
    })?;
    let subtree = db::compliance::Subtree::of(db, unit_id).await?;
    let groups = db::annual::groups(db, &subtree, year, end).await?;
    let comparison = compare(db, unit_id, year).await?;
    let lineage = db::units::lineage(db, unit_id).await?;
    let top = match lineage.last() {
        Some(id) if *id != unit.id => db::units::find(db, *id).await?,
        _ => None,
    };
    let province = top.as_ref().map_or(unit.name.as_str(), |u| u.name.as_str());
    Ok(assemble(
        &unit,
        province,
        year,
        period,
        &groups,
        comparison,
        generated_at,
    ))
}

/// A form table flattened to the one-header table CSV writes: STT, content, then each group's
/// measures ("Dự án nhóm A (2) – Tổng số gói thầu").
pub fn flat(report: &AnnualReport, t: &FormTable) -> Table {
    let mut columns = vec![
        Column::new("stt", "STT", Kind::Text),
        Column::new("label", "Nội dung", Kind::Text),
    ];
    for g in &t.groups {
        for m in &g.measures {
            let kind = match m.key {
                "count" => Kind::Integer,
                "savings_rate" => Kind::Percent,
                _ => Kind::Money,
            };
            columns.push(Column::new(
                format!("{}_{}", g.key, m.key),
                format!("{} – {}", g.label, m.label),
                kind,
            ));
        }
    }
    let rows = t
        .rows
        .iter()
        .map(|r| {
            let mut cells = vec![Cell::text(r.stt), Cell::text(r.label)];
            if r.cells.is_empty() {
                cells.resize(columns.len(), Cell::Empty);
            }
            for (g, cell) in t.groups.iter().zip(r.cells.iter()) {
                for m in &g.measures {
                    cells.push(measure_cell(cell, m.key));
                }
            }
            Row {
                kind: match r.style {
                    RowStyle::Total => RowKind::Total,
                    RowStyle::Heading | RowStyle::Item => RowKind::Subtotal,
                    RowStyle::Split => RowKind::Data,
                },
                level: u32::from(r.depth),
                cells,
            }
        })
        .collect();
    Table {
        title: format!("{} – {}", t.title, report.unit.name),
        scope: vec![
            ("Đơn vị báo cáo".to_owned(), report.unit.name.clone()),
            ("Kỳ báo cáo".to_owned(), report.period_label.clone()),
            ("Đơn vị tính".to_owned(), MONEY.to_owned()),
            ("Mẫu biểu".to_owned(), report.circular.to_owned()),
            ("Lập lúc".to_owned(), report.generated_at.clone()),
        ],
        columns,
        rows,
        file_stem: format!("{}_{}", report.file_stem, t.key),
    }
}

/// One measure of a cell as a table cell.
pub fn measure_cell(c: &GroupCell, key: &str) -> Cell {
    match key {
        "count" => Cell::Int(c.count),
        "package_price" => Cell::Money(c.package_price),
        "winning_price" => Cell::Money(c.winning_price),
        "savings" => Cell::Money(c.savings),
        _ => c.rate_cell(),
    }
}

/// Renders the report: JSON whole, CSV one table (`part`), XLSX one sheet per table and one for
/// the reconciliation and the comparison, HTML the printable document.
pub fn render(
    report: &AnnualReport,
    format: Format,
    part: AnnualPart,
) -> Result<Rendered, AppError> {
    let bytes = match format {
        Format::Json => serde_json::to_vec_pretty(report).map_err(anyhow::Error::from)?,
        Format::Csv => {
            let key = part.as_str();
            let t = report
                .tables
                .iter()
                .find(|t| t.key == key)
                .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no table {key}")))?;
            super::csv::write(&flat(report, t)).map_err(anyhow::Error::from)?
        }
        Format::Xlsx => xlsx::write(report).map_err(anyhow::Error::from)?,
        Format::Html => html::document(report)
            .map_err(anyhow::Error::from)?
            .into_bytes(),
    };
    let stem = match (format, part) {
        (Format::Csv, AnnualPart::Investment) => format!("{}_bieu-1", report.file_stem),
        (Format::Csv, AnnualPart::Recurrent) => format!("{}_bieu-2", report.file_stem),
        _ => report.file_stem.clone(),
    };
    Ok(Rendered {
        content_type: format.content_type(),
        file_name: format!("{stem}.{}", format.extension()),
        bytes,
    })
}

/// The report as a fragment for the reports page.
pub fn fragment(report: &AnnualReport) -> Result<String, askama::Error> {
    html::fragment(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_labels_and_period_ends() {
        for (p, wire, end) in [
            (Period::Year, "year", (12, 31)),
            (Period::Half, "half", (6, 30)),
        ] {
            assert_eq!(p.as_str(), wire);
            assert_eq!(wire.parse::<Period>(), Ok(p));
            assert_eq!(serde_json::to_value(p).ok(), Some(serde_json::json!(wire)));
            assert!(!p.label_vi().is_empty());
            assert_eq!(
                p.end(2019),
                chrono::NaiveDate::from_ymd_opt(2019, end.0, end.1)
            );
        }
        assert!("quarter".parse::<Period>().is_err());
        for (part, wire) in [
            (AnnualPart::Investment, "investment"),
            (AnnualPart::Recurrent, "recurrent"),
        ] {
            assert_eq!(part.as_str(), wire);
            assert_eq!(
                serde_json::from_value::<AnnualPart>(serde_json::json!(wire)).ok(),
                Some(part)
            );
            assert!(form::TABLES.iter().any(|t| t.key == wire));
            assert!(part.label_vi().starts_with("Biểu"));
        }
    }

    #[test]
    fn the_place_is_the_province_without_its_kind() {
        assert_eq!(place_of("Thành phố Hà Nội"), "Hà Nội");
        assert_eq!(place_of("Tỉnh Bắc Ninh"), "Bắc Ninh");
        assert_eq!(place_of("Huế"), "Huế");
    }
}
