//! The dashboard (home page): a unit's standing against its target for a year, its children,
//! and the packages that would close the gap. Reads the one compliance computation.

use super::page::{Flash, PageError, page};
use super::session::{Shell, WebUser, WriteScope};
use crate::AppState;
use crate::domain::compliance::{Percent, View};
use crate::domain::money::format_vnd;
use crate::error::AppError;
use crate::services;
use crate::services::compliance::Figures;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{EntityTrait, QuerySelect};

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

pub struct ChildRow {
    pub id: i64,
    pub name: String,
    pub in_scope: i64,
    pub online: i64,
    pub share_text: String,
    pub width: String,
    pub class: &'static str,
    pub verdict_text: &'static str,
}

pub struct Candidate {
    /// The signed-in user may switch it.
    pub editable: bool,
    pub id: i64,
    pub version: i32,
    pub name: String,
    pub method: &'static str,
    pub field: &'static str,
    pub price: String,
}

pub struct Summary {
    /// This dashboard's own address: where a one-click switch returns.
    pub back: String,
    pub unit_name: String,
    pub year: i32,
    pub rule_name: String,
    pub verdict_class: &'static str,
    pub verdict_text: &'static str,
    pub measures: Vec<Measure>,
    pub shortfall_text: String,
    pub count_target: String,
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
    p.map_or_else(|| "–".to_owned(), |p| format!("{p}%"))
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

/// The latest plan year with a package: what an officer most likely wants to see first.
pub async fn latest_year(db: &sea_orm::DatabaseConnection) -> Result<i32, AppError> {
    let latest: Option<i32> = entity::package::Entity::find()
        .select_only()
        .column_as(
            sea_orm::sea_query::Expr::col(entity::package::Column::PlanYear).max(),
            "max",
        )
        .into_tuple::<Option<i32>>()
        .one(db)
        .await?
        .flatten();
    Ok(latest.unwrap_or_else(|| chrono::Datelike::year(&chrono::Utc::now())))
}

pub async fn show(
    State(state): State<AppState>,
    user: WebUser,
    RawQuery(query): RawQuery,
    flash: Flash,
) -> Result<Response, PageError> {
    let db = &state.db;
    let all = crate::db::units::all(db).await?;
    let latest_year = latest_year(db).await?;
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
        None => Some(latest_year),
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
    // covers is an answer, not an error.
    let status = if error.is_some() && !all.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let summary = match (unit_id, year, &error) {
        (Some(unit_id), Some(year), None) => match summarize(&state, &user, unit_id, year).await {
            Ok(s) => Some(s),
            Err(AppError::Rule { message, .. }) => {
                error = Some(message);
                None
            }
            Err(e) => return Err(e.into()),
        },
        _ => None,
    };
    let view = Page {
        units,
        year: raw_year.unwrap_or_else(|| year.map(|y| y.to_string()).unwrap_or_default()),
        error,
        summary,
        shell: user.shell(&flash),
    };
    Ok(page(status, &view, &flash))
}

async fn summarize(
    state: &AppState,
    user: &WebUser,
    unit_id: i64,
    year: i32,
) -> Result<Summary, AppError> {
    let scope = WriteScope::of(&state.db, &user.actor).await?;
    let c = services::compliance::check_cached(&state.db, &state.cache, unit_id, year, View::Plan)
        .await?;
    let f = &c.figures;
    let mut measures = vec![Measure {
        label: "Số gói thầu",
        share_text: share_text(f.share_percent),
        target_text: format!("{}%", c.rule.min_count_percent),
        detail: format!("{} / {} gói qua mạng", f.online, f.in_scope),
        width: width(f.share_percent),
        target: c.rule.min_count_percent.to_string(),
        class: class(f.met),
    }];
    if let Some(v) = c.rule.min_value_percent {
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
    let mut rows: Vec<_> = c.by_unit.iter().filter(|u| !u.own).collect();
    // Furthest from the target first; units with nothing in scope last.
    rows.sort_by_key(|u| (u.figures.share_percent.is_none(), u.figures.share_percent));
    let children: Vec<ChildRow> = rows
        .into_iter()
        .map(|u| ChildRow {
            id: u.unit_id,
            name: u.name.clone(),
            in_scope: u.figures.in_scope,
            online: u.figures.online,
            share_text: share_text(u.figures.share_percent),
            width: width(u.figures.share_percent),
            class: class(u.figures.met),
            verdict_text: verdict(u.figures.met),
        })
        .collect();
    let candidates = state
        .cache
        .versioned(&state.db, format!("candidates/{unit_id}/{year}/10"), || {
            services::compliance::candidates(&state.db, unit_id, year, 10)
        })
        .await?;
    let shown = candidates.items.len() as u64;
    Ok(Summary {
        back: format!("/?unit_id={unit_id}&year={year}"),
        unit_name: c.unit_name.clone(),
        year,
        rule_name: c.rule.name.clone(),
        verdict_class: class(f.met),
        verdict_text: verdict(f.met),
        measures,
        shortfall_text: shortfall_text(f),
        count_target: c.rule.min_count_percent.to_string(),
        children,
        candidates: candidates
            .items
            .iter()
            .map(|v| Candidate {
                editable: scope.allows(v.package.unit_id),
                id: v.package.id,
                version: v.package.version,
                name: v.package.name.clone(),
                method: v.package.method.label_vi(),
                field: v.package.field.label_vi(),
                price: format_vnd(v.package.package_price_vnd),
            })
            .collect(),
        more_candidates: candidates.total.saturating_sub(shown),
    })
}
