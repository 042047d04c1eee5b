//! What the dashboard shows, built from the service's figures: the unit's standing against each
//! target in force, its children under the targets that apply to each, and the candidates.

use crate::domain::compliance::Percent;
use crate::domain::money::format_vnd;
use crate::services::accounts::Actor;
use crate::services::compliance::{Dashboard, Figures, Overall, TargetFigures, UnitFigures};
use crate::services::trend::Trend;
use crate::services::units::Units;
use crate::web::session::Shell;
use askama::Template;

pub struct UnitOption {
    pub id: i64,
    pub label: String,
    pub selected: bool,
}

pub struct Measure {
    pub label: &'static str,
    pub share_text: String,
    pub target_text: String,
    pub detail: String,
    /// Bar width and target position, in percent of the bar.
    pub width: String,
    pub target: String,
    pub class: &'static str,
}

/// One target of a child unit: the rule that applies to the child, under which it is judged.
pub struct ChildTarget {
    pub rule_name: String,
    /// Set for a rule of the child's own (or of a unit between it and the one shown).
    pub own_rule: bool,
    pub in_scope: i64,
    pub online: i64,
    pub share_text: String,
    pub width: String,
    pub target: String,
    pub class: &'static str,
    pub verdict_text: &'static str,
    pub shortfall: i64,
}

pub struct ChildRow {
    pub id: i64,
    pub name: String,
    /// The unit did not exist in the year yet holds packages of it (data to correct).
    pub not_valid: bool,
    pub packages: i64,
    pub overall_share_text: String,
    /// Empty when no target is in force for the child.
    pub targets: Vec<ChildTarget>,
}

/// One target in force, judged.
pub struct TargetBlock {
    pub rule_name: String,
    pub thresholds: String,
    pub verdict_class: &'static str,
    pub verdict_text: &'static str,
    pub measures: Vec<Measure>,
    pub shortfall_text: String,
}

pub struct Candidate {
    /// The signed-in user may switch it.
    pub editable: bool,
    pub id: i64,
    pub version: i32,
    pub name: String,
    /// The unit the package belongs to: below a city, which district must act.
    pub unit: String,
    /// The planned start of selection (`05/2019`), or "–".
    pub month: String,
    pub method: &'static str,
    pub field: &'static str,
    pub price: String,
}

pub struct Summary {
    /// This dashboard's own address: where a one-click switch returns.
    pub back: String,
    pub unit_name: String,
    pub year: i32,
    /// Every package counted in the year, whatever the targets.
    pub overall: String,
    pub targets: Vec<TargetBlock>,
    /// Shown instead of a verdict when no target is in force.
    pub no_target: Option<String>,
    /// The signed-in user may add a rule (administrators).
    pub can_add_rule: bool,
    pub children: Vec<ChildRow>,
    pub candidates: Vec<Candidate>,
    pub more_candidates: u64,
    /// Packages of the year overdue today, and the register filtered to them.
    pub overdue: u64,
    pub overdue_link: String,
    /// Packages of the year declared online without evidence, and the register filtered to
    /// them.
    pub unevidenced: u64,
    pub unevidenced_link: String,
    /// The trend section: what it covers, the chart (rendered from `reports::trend`, its text
    /// escaped there), the predecessors divided among several units, and the full report.
    pub trend_label: String,
    pub trend_chart: Option<String>,
    pub trend_divided: Vec<String>,
    pub trend_link: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    pub units: Vec<UnitOption>,
    /// The year as typed, or the year the page opened on.
    pub year: String,
    pub error: Option<String>,
    pub summary: Option<Summary>,
    pub shell: Shell,
}

/// The units valid in `year`, marked when they ended or began during it (the chosen one always).
pub fn unit_options(units: &Units, chosen: Option<i64>, year: Option<i32>) -> Vec<UnitOption> {
    crate::services::units::in_year(units, year, chosen)
        .into_iter()
        .map(|(u, mark)| UnitOption {
            id: u.id,
            label: crate::web::units::label(u, mark.as_deref()),
            selected: Some(u.id) == chosen,
        })
        .collect()
}

fn class(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "met",
        Some(false) => "not-met",
        None => "none",
    }
}

fn verdict(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "Đạt",
        Some(false) => "Chưa đạt",
        None => "Không có gói thuộc phạm vi",
    }
}

fn width(p: Option<Percent>) -> String {
    p.map_or_else(|| "0".to_owned(), |p| p.to_string())
}

fn share_text(p: Option<Percent>) -> String {
    p.map_or_else(|| "–".to_owned(), crate::reports::table::vi_percent)
}

fn overall_text(o: &Overall) -> String {
    format!(
        "{} gói thầu, {} qua mạng ({}); giá trị {} , qua mạng {} ({}).",
        o.packages,
        o.online,
        share_text(o.share_percent),
        format_vnd(o.value_vnd),
        format_vnd(o.value_online_vnd),
        share_text(o.value_share_percent)
    )
    .replace(" ,", ",")
}

fn thresholds(t: &TargetFigures) -> String {
    match t.rule.min_value_percent {
        Some(v) => format!(
            "tối thiểu {}% số gói thầu và {v}% giá trị",
            t.rule.min_count_percent
        ),
        None => format!("tối thiểu {}% số gói thầu", t.rule.min_count_percent),
    }
}

fn target_block(t: &TargetFigures) -> TargetBlock {
    let f = &t.figures;
    let mut measures = vec![Measure {
        label: "Số gói thầu",
        share_text: share_text(f.share_percent),
        target_text: format!("{}%", t.rule.min_count_percent),
        detail: format!("{} / {} gói qua mạng", f.online, f.in_scope),
        width: width(f.share_percent),
        target: t.rule.min_count_percent.to_string(),
        class: class(f.met),
    }];
    if let Some(v) = t.rule.min_value_percent {
        measures.push(Measure {
            label: "Giá trị gói thầu",
            share_text: share_text(f.value_share_percent),
            target_text: format!("{v}%"),
            detail: format!(
                "{} / {}",
                format_vnd(f.value_online_vnd),
                format_vnd(f.value_in_scope_vnd)
            ),
            width: width(f.value_share_percent),
            target: v.to_string(),
            class: class(f.value_met),
        });
    }
    TargetBlock {
        rule_name: t.rule.name.clone(),
        thresholds: thresholds(t),
        verdict_class: class(f.met),
        verdict_text: verdict(f.met),
        measures,
        shortfall_text: shortfall_text(f),
    }
}

/// The shortfall in words, for the count target and, when the rule has one, the value target.
fn shortfall_text(f: &Figures) -> String {
    let count = match f.met {
        None => return "Năm này không có gói thầu nào thuộc phạm vi chỉ tiêu.".to_owned(),
        Some(true) => "Đã đạt chỉ tiêu về số lượng gói thầu.".to_owned(),
        Some(false) => format!(
            "Cần thêm {} gói thầu qua mạng để đạt chỉ tiêu về số lượng.",
            f.shortfall
        ),
    };
    match (f.value_met, f.value_shortfall_vnd) {
        (Some(false), Some(v)) => format!(
            "{count} Cần thêm {} giá trị gói thầu qua mạng để đạt chỉ tiêu về giá trị.",
            format_vnd(v)
        ),
        (Some(true), _) => format!("{count} Đã đạt chỉ tiêu về giá trị."),
        _ => count,
    }
}

impl Summary {
    pub fn new(d: &Dashboard, trend: &Trend, units: &Units, actor: &Actor, year: i32) -> Self {
        let c = &d.compliance;
        let shown = d.candidates.items.len() as u64;
        Summary {
            back: format!("/?unit_id={}&year={year}", c.unit_id),
            unit_name: c.unit_name.clone(),
            year,
            overall: overall_text(&c.overall),
            targets: c.targets.iter().map(target_block).collect(),
            no_target: c.no_target.clone(),
            can_add_rule: actor.is_admin(),
            children: children(d),
            candidates: d
                .candidates
                .items
                .iter()
                .map(|v| Candidate {
                    editable: d.scope.allows(v.package.unit_id),
                    id: v.package.id,
                    version: v.package.version,
                    name: v.package.name.clone(),
                    unit: units.name(v.package.unit_id),
                    month: crate::domain::fields::package::planned_start_vi(
                        v.package.plan_year,
                        v.package.planned_start_month,
                        v.package.planned_start_quarter,
                    ),
                    method: v.package.method.label_vi(),
                    field: v.package.field.label_vi(),
                    price: format_vnd(v.package.package_price_vnd),
                })
                .collect(),
            more_candidates: d.candidates.total.saturating_sub(shown),
            overdue: d.overdue,
            overdue_link: format!(
                "/packages?unit_id={}&plan_year={year}&overdue=true",
                c.unit_id
            ),
            unevidenced: d.unevidenced,
            unevidenced_link: format!(
                "/packages?unit_id={}&plan_year={year}&evidenced=false",
                c.unit_id
            ),
            trend_label: format!("{}, {}–{}", trend.label, trend.from, trend.to),
            trend_chart: askama::Template::render(&crate::reports::trend::TrendChart::new(
                trend, "trend",
            ))
            .ok(),
            trend_divided: trend.divided.iter().map(|x| x.label.clone()).collect(),
            trend_link: format!(
                "/reports?report=compliance&unit_id={}&year={year}&from={}&comparable=true",
                c.unit_id, trend.from
            ),
        }
    }
}

/// The children, furthest from the first target first; units with nothing in scope last.
fn children(d: &Dashboard) -> Vec<ChildRow> {
    let c = &d.compliance;
    let mut rows: Vec<&UnitFigures> = c.by_unit.iter().filter(|u| !u.own).collect();
    let first_share = |u: &UnitFigures| u.targets.first().and_then(|t| t.figures.share_percent);
    rows.sort_by_key(|u| (first_share(u).is_none(), first_share(u)));
    rows.into_iter()
        .map(|u| ChildRow {
            id: u.unit_id,
            name: u.name.clone(),
            not_valid: !u.valid,
            packages: u.overall.packages,
            overall_share_text: share_text(u.overall.share_percent),
            targets: u
                .targets
                .iter()
                .map(|t| ChildTarget {
                    rule_name: t.rule.name.clone(),
                    own_rule: !c.targets.iter().any(|p| p.rule.id == t.rule.id),
                    in_scope: t.figures.in_scope,
                    online: t.figures.online,
                    share_text: share_text(t.figures.share_percent),
                    width: width(t.figures.share_percent),
                    target: t.rule.min_count_percent.to_string(),
                    class: class(t.figures.met),
                    verdict_text: verdict(t.figures.met),
                    shortfall: t.figures.shortfall,
                })
                .collect(),
        })
        .collect()
}
