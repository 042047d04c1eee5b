//! The dashboard (home page): a unit's figures for a year, its standing against every target in
//! force, its children under the targets that apply to each, and the packages that would close
//! the gap. Reads the one compliance computation.

use super::page::{Flash, PageError, page};
use super::session::{Shell, WebUser, WriteScope};
use crate::AppState;
use crate::domain::compliance::{Percent, View};
use crate::domain::money::format_vnd;
use crate::error::AppError;
use crate::services;
use crate::services::compliance::{Figures, Overall, TargetFigures};
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

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
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct Page {
    units: Vec<UnitOption>,
    year: String,
    error: Option<String>,
    summary: Option<Summary>,
    shell: Shell,
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

fn param(query: &Option<String>, name: &str) -> Option<String> {
    let q = query.as_deref()?;
    form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

use crate::cookies::YEAR as YEAR_COOKIE;

/// The year a page opens on: the user's last choice (cookie), else the service's default (the
/// current year when it has packages, else the latest year with packages and a rule). One
/// officer re-planning a package must not move everybody's default.
pub async fn default_year(state: &AppState, headers: &HeaderMap) -> Result<i32, AppError> {
    if let Some(y) = crate::cookies::get(headers, YEAR_COOKIE)
        .and_then(|v| v.parse::<i32>().ok())
        .filter(|y| crate::domain::PLAN_YEARS.contains(y))
    {
        return Ok(y);
    }
    services::compliance::default_year(&state.db).await
}

/// Remembers a year the user chose, for a year.
pub fn remember_year(response: &mut Response, year: i32) {
    if let Ok(value) = HeaderValue::from_str(&format!(
        "{YEAR_COOKIE}={year}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly"
    )) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

pub async fn show(
    State(state): State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    flash: Flash,
) -> Result<Response, PageError> {
    let db = &state.db;
    let all = crate::db::units::all(db).await?;
    let raw_year = param(&query, "year");
    let raw_unit = param(&query, "unit_id");
    // An officer first sees their own unit; everyone else the top of the tree.
    let default_unit = user
        .actor
        .unit_id
        .filter(|own| all.iter().any(|u| u.id == *own))
        .or_else(|| all.iter().find(|u| u.parent_id.is_none()).map(|u| u.id))
        .or(all.first().map(|u| u.id));

    let mut error = None;
    let unit_id = match raw_unit.as_deref().map(str::parse::<i64>) {
        None => default_unit,
        Some(Ok(id)) if all.iter().any(|u| u.id == id) => Some(id),
        Some(_) => {
            error = Some("Không có đơn vị này; hãy chọn một đơn vị trong danh sách.".to_owned());
            None
        }
    };
    let year = match raw_year.as_deref().map(str::parse::<i32>) {
        None => Some(default_year(&state, &headers).await?),
        Some(Ok(y)) if crate::domain::PLAN_YEARS.contains(&y) => Some(y),
        Some(_) => {
            error = Some("Năm phải là một số từ 2000 đến 2100.".to_owned());
            None
        }
    };
    let units = all
        .iter()
        .map(|u| UnitOption {
            id: u.id,
            label: format!("{} ({})", u.name, u.code),
            selected: Some(u.id) == unit_id,
        })
        .collect();
    if all.is_empty() {
        error = Some("Chưa có đơn vị nào. Quản trị viên cần thêm đơn vị (hoặc chạy `bidtrack demo` để xem thử).".to_owned());
    }

    // A unit or year that does not parse is the officer's input to fix (422); a year no target
    // covers has its figures and says so.
    let status = if error.is_some() && !all.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let summary = match (unit_id, year, &error) {
        (Some(unit_id), Some(year), None) => {
            Some(summarize(&state, &user, &all, unit_id, year).await?)
        }
        _ => None,
    };
    let chosen = raw_year.is_some().then_some(year).flatten();
    let view = Page {
        units,
        year: raw_year.unwrap_or_else(|| year.map(|y| y.to_string()).unwrap_or_default()),
        error,
        summary,
        shell: user.shell(&flash),
    };
    let mut response = page(status, &view, &flash);
    if let Some(y) = chosen {
        remember_year(&mut response, y);
    }
    Ok(response)
}

async fn summarize(
    state: &AppState,
    user: &WebUser,
    units: &[entity::unit::Model],
    unit_id: i64,
    year: i32,
) -> Result<Summary, AppError> {
    let scope = WriteScope::of(&state.db, &user.actor).await?;
    let c = services::compliance::check_cached(&state.db, &state.cache, unit_id, year, View::Plan)
        .await?;
    let mut rows: Vec<_> = c.by_unit.iter().filter(|u| !u.own).collect();
    // Furthest from the first target first; units with nothing in scope last.
    let first_share = |u: &services::compliance::UnitFigures| {
        u.targets.first().and_then(|t| t.figures.share_percent)
    };
    rows.sort_by_key(|u| (first_share(u).is_none(), first_share(u)));
    let children: Vec<ChildRow> = rows
        .into_iter()
        .map(|u| ChildRow {
            id: u.unit_id,
            name: u.name.clone(),
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
        .collect();
    // Candidates close the gap of the first target; without a target there is no gap.
    let candidates = if c.targets.is_empty() {
        std::sync::Arc::new(services::Page {
            items: Vec::new(),
            page: 1,
            per_page: 10,
            total: 0,
        })
    } else {
        state
            .cache
            .versioned(&state.db, format!("candidates/{unit_id}/{year}/10"), || {
                services::compliance::candidates(&state.db, unit_id, year, None, 10)
            })
            .await?
    };
    let shown = candidates.items.len() as u64;
    Ok(Summary {
        back: format!("/?unit_id={unit_id}&year={year}"),
        unit_name: c.unit_name.clone(),
        year,
        overall: overall_text(&c.overall),
        targets: c.targets.iter().map(target_block).collect(),
        no_target: c.no_target.clone(),
        can_add_rule: user.actor.is_admin(),
        children,
        candidates: candidates
            .items
            .iter()
            .map(|v| Candidate {
                editable: scope.allows(v.package.unit_id),
                id: v.package.id,
                version: v.package.version,
                name: v.package.name.clone(),
                unit: units
                    .iter()
                    .find(|u| u.id == v.package.unit_id)
                    .map_or_else(|| v.package.unit_id.to_string(), |u| u.name.clone()),
                month: v.package.planned_start_month.map_or_else(
                    || "–".to_owned(),
                    |m| format!("{m:02}/{}", v.package.plan_year),
                ),
                method: v.package.method.label_vi(),
                field: v.package.field.label_vi(),
                price: format_vnd(v.package.package_price_vnd),
            })
            .collect(),
        more_candidates: candidates.total.saturating_sub(shown),
    })
}
