//! The reports page: pick a report, a unit, a year and a view; preview it with its chart; download
//! it as CSV, XLSX or the printable page. The preview and the files come from the same tables as
//! `/api/v1/reports/*`.

use super::form::Choice;
use super::input::{self, given};
use super::page::{Flash, PageError, page};
use super::session::{Shell, WebUser};
use crate::AppState;
use crate::domain::compliance::View;
use crate::error::AppError;
use crate::reports::table::Table;
use crate::reports::{self, annual::Period, html::Chart, summary::MoneyUnit};
use crate::services::units::Units;
use crate::services::{self, packages::PackageFilter};
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Utc;
use serde::Deserialize;

/// Rows shown in the preview; the files hold every row.
const PREVIEW_ROWS: usize = 200;

/// The reports the page offers: wire name (the API's path too) and title.
const KINDS: &[(&str, &str)] = &[
    (
        "compliance",
        "Tình hình thực hiện chỉ tiêu lựa chọn nhà thầu qua mạng",
    ),
    ("summary", "Tổng hợp kết quả lựa chọn nhà thầu (Biểu 01/02)"),
    (
        "annual",
        "Báo cáo tình hình thực hiện công tác đấu thầu (báo cáo năm, 6 tháng)",
    ),
    ("packages", "Danh sách gói thầu"),
];

pub struct Download {
    pub label: &'static str,
    pub href: String,
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportsPage {
    kinds: Vec<Choice>,
    units: Vec<Choice>,
    views: Vec<Choice>,
    money: Vec<Choice>,
    periods: Vec<Choice>,
    year: String,
    /// The trend's first year and whether it counts predecessors (compliance report).
    from: String,
    comparable: bool,
    errors: Vec<String>,
    preview: Option<String>,
    truncated: Option<String>,
    downloads: Vec<Download>,
    shell: Shell,
}

/// The page's query string (its picker is a GET form), as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ReportQuery {
    report: String,
    unit_id: String,
    year: String,
    view: String,
    money: String,
    period: String,
    /// The first year of the compliance report's trend (default: seven years before `year`).
    from: String,
    /// "true" when the trend counts the unit's predecessors.
    comparable: String,
}

/// A report every choice of which was read and is valid.
struct Report {
    kind: &'static str,
    unit_id: i64,
    year: i32,
    view: View,
    money: MoneyUnit,
    period: Period,
    from: i32,
    comparable: bool,
}

/// The choices as the picker shows them back (defaults filled in), and what is wrong with them.
struct Picked {
    kind: String,
    unit: String,
    year: String,
    view: String,
    money: String,
    period: String,
    from: String,
    comparable: bool,
    /// The year, when it reads as one (remembered even if another choice is wrong).
    year_ok: Option<i32>,
    errors: Vec<String>,
    report: Option<Report>,
}

impl ReportQuery {
    fn unit(&self) -> Option<i64> {
        given(&self.unit_id).and_then(|u| u.parse().ok())
    }

    /// Reads the choices; `year` is the year typed or the one the page opens on.
    fn pick(&self, units: &Units, year: String) -> Picked {
        let kind = given(&self.report).unwrap_or("compliance");
        let view_raw = given(&self.view).unwrap_or("plan");
        let money_raw = given(&self.money).unwrap_or("dong");
        let period_raw = given(&self.period).unwrap_or("year");
        let unit_raw = given(&self.unit_id)
            .map(str::to_owned)
            .or_else(|| units.top().map(|id| id.to_string()))
            .unwrap_or_default();
        let mut errors = Vec::new();
        let kind_known = KINDS.iter().find(|(k, _)| *k == kind).map(|(k, _)| *k);
        if kind_known.is_none() {
            errors.push("Hãy chọn một báo cáo trong danh sách.".to_owned());
        }
        let view: Option<View> = view_raw.parse().ok();
        if view.is_none() {
            errors.push("Hãy chọn cách tính năm (theo kế hoạch hoặc theo kết quả).".to_owned());
        }
        let money: Option<MoneyUnit> =
            serde_json::from_value(serde_json::Value::String(money_raw.to_owned())).ok();
        if money.is_none() {
            errors.push("Hãy chọn đơn vị tiền (đồng hoặc triệu đồng).".to_owned());
        }
        let period: Option<Period> = period_raw.parse().ok();
        if period.is_none() {
            errors.push("Hãy chọn kỳ báo cáo (cả năm hoặc 6 tháng đầu năm).".to_owned());
        }
        let unit_id = unit_raw
            .parse::<i64>()
            .ok()
            .filter(|id| units.get(*id).is_some());
        if unit_id.is_none() && !units.is_empty() {
            errors.push("Không có đơn vị này; hãy chọn một đơn vị trong danh sách.".to_owned());
        }
        let year_ok = year
            .parse::<i32>()
            .ok()
            .filter(|y| crate::domain::PLAN_YEARS.contains(y));
        if year_ok.is_none() {
            errors.push("Năm phải là một số từ 2000 đến 2100.".to_owned());
        }
        if units.is_empty() {
            errors.push("Chưa có đơn vị nào: chưa có gì để báo cáo.".to_owned());
        }
        let from_raw = given(&self.from)
            .map(str::to_owned)
            .or_else(|| year_ok.map(|y| services::trend::default_from(y).to_string()))
            .unwrap_or_default();
        let comparable = given(&self.comparable) == Some("true");
        let mut from = None;
        if let (Some(y), Some("compliance")) = (year_ok, kind_known) {
            match from_raw.parse::<i32>() {
                Ok(f) => match services::trend::check_span(f, y) {
                    Ok(()) => from = Some(f),
                    Err(AppError::Validation(list)) => errors.extend(
                        list.into_iter()
                            .map(|e| format!("Xu hướng: {}.", e.message)),
                    ),
                    Err(_) => errors.push("Xu hướng: năm bắt đầu không hợp lệ.".to_owned()),
                },
                Err(_) => errors
                    .push("Năm bắt đầu của xu hướng phải là một số từ 2000 đến 2100.".to_owned()),
            }
        }
        let report = match (
            errors.is_empty(),
            kind_known,
            unit_id,
            year_ok,
            view,
            money,
            period,
        ) {
            (
                true,
                Some(kind),
                Some(unit_id),
                Some(year),
                Some(view),
                Some(money),
                Some(period),
            ) => Some(Report {
                kind,
                unit_id,
                year,
                view,
                money,
                period,
                from: from.unwrap_or(year),
                comparable,
            }),
            _ => None,
        };
        Picked {
            kind: kind.to_owned(),
            unit: unit_raw,
            year,
            view: view_raw.to_owned(),
            money: money_raw.to_owned(),
            period: period_raw.to_owned(),
            from: from_raw,
            comparable,
            year_ok,
            errors,
            report,
        }
    }
}

/// A report's preview and its downloads, or why there is none (a year without data for the
/// summary, say: an answer, not the officer's mistake).
#[derive(Default)]
struct Preview {
    html: Option<String>,
    truncated: Option<String>,
    downloads: Vec<Download>,
    errors: Vec<String>,
}

/// A report's tables, the chart above the first, and the trend chart above the trend table
/// (the compliance report's last).
type Built = (Vec<Table>, Option<Chart>, Option<String>);

/// The report's tables, and the charts.
async fn tables(state: &AppState, r: &Report) -> Result<Built, AppError> {
    let now = Utc::now();
    let (db, unit_id, year) = (&state.db, r.unit_id, r.year);
    match r.kind {
        "compliance" => {
            let c = crate::services::compliance::compute(db, unit_id, year, r.view).await?;
            let request = services::trend::TrendRequest {
                unit_id,
                from: r.from,
                to: year,
                view: r.view,
                comparable: r.comparable,
            };
            let trend = services::trend::trend_cached(db, &state.cache, request).await?;
            let chart = reports::trend::TrendChart::new(&trend, "trend")
                .render()
                .map_err(|e| AppError::Internal(e.into()))?;
            let mut t = reports::compliance::tables(&c, 1, now);
            t.push(reports::trend::table(&trend, now));
            Ok((t, Chart::compliance(&c), Some(chart)))
        }
        "summary" => reports::summary::build(db, unit_id, year, r.view, r.money, now)
            .await
            .map(|t| (vec![t], None, None)),
        _ => {
            let filter = PackageFilter {
                unit_id: Some(unit_id),
                plan_year: Some(year),
                ..PackageFilter::default()
            };
            reports::packages::build(db, filter, now)
                .await
                .map(|t| (vec![t], None, None))
        }
    }
}

/// The official report: its own document (two-level headers, notes, signature), not a table.
async fn annual_preview(state: &AppState, r: &Report, money: &str) -> Result<Preview, PageError> {
    let report =
        match reports::annual::build(&state.db, r.unit_id, r.year, r.period, Utc::now()).await {
            Ok(report) => report,
            Err(AppError::Validation(list)) => {
                return Ok(errors_only(list.into_iter().map(|e| e.message).collect()));
            }
            Err(e) => return Err(e.into()),
        };
    let html =
        reports::annual::fragment(&report).map_err(|e| PageError(AppError::Internal(e.into())))?;
    Ok(Preview {
        html: Some(html),
        truncated: None,
        downloads: downloads(r, money),
        errors: Vec::new(),
    })
}

async fn preview(state: &AppState, r: &Report, money: &str) -> Result<Preview, PageError> {
    if r.kind == "annual" {
        return annual_preview(state, r, money).await;
    }
    let (tables, chart, trend_chart) = match tables(state, r).await {
        Ok(built) => built,
        Err(AppError::Rule { message, .. }) => return Ok(errors_only(vec![message])),
        Err(AppError::Validation(list)) => {
            return Ok(errors_only(list.into_iter().map(|e| e.message).collect()));
        }
        Err(e) => return Err(e.into()),
    };
    let mut html = String::new();
    for (i, table) in tables.iter().enumerate() {
        // The scope lines and the chart once, above the first table.
        let (part, chart) = if i == 0 {
            (table.clone(), chart.as_ref())
        } else {
            let scope = Vec::new();
            (
                Table {
                    scope,
                    ..table.clone()
                },
                None,
            )
        };
        let fragment = reports::html::fragment(&part, chart, PREVIEW_ROWS)
            .map_err(|e| PageError(AppError::Internal(e.into())))?;
        // The trend's chart, with its own data table, above the trend's full table.
        if let Some(svg) = trend_chart.as_ref().filter(|_| i + 1 == tables.len()) {
            html.push_str("<section class=\"trend-section\" aria-label=\"Xu hướng qua các năm\">");
            html.push_str(svg);
            html.push_str("</section>");
        }
        html.push_str(&fragment);
    }
    let data_rows = tables.first().map_or(0, |t| t.rows.len());
    Ok(Preview {
        html: Some(html),
        truncated: (data_rows > PREVIEW_ROWS).then(|| {
            format!("Xem trước {PREVIEW_ROWS} / {data_rows} dòng; tệp tải về có đủ các dòng.")
        }),
        downloads: downloads(r, money),
        errors: Vec::new(),
    })
}

fn errors_only(errors: Vec<String>) -> Preview {
    Preview {
        errors,
        ..Preview::default()
    }
}

/// The same report from the API, as files.
fn downloads(r: &Report, money: &str) -> Vec<Download> {
    let (kind, unit_id, year, view) = (r.kind, r.unit_id, r.year, r.view.as_str());
    let query = match kind {
        "packages" => format!("unit_id={unit_id}&plan_year={year}"),
        "summary" => format!("unit_id={unit_id}&year={year}&view={view}&unit={money}"),
        "annual" => format!("unit_id={unit_id}&year={year}&period={}", r.period.as_str()),
        _ => format!(
            "unit_id={unit_id}&year={year}&view={view}&from={}&comparable={}",
            r.from, r.comparable
        ),
    };
    [
        ("Tải CSV", "csv"),
        ("Tải Excel (XLSX)", "xlsx"),
        ("Bản in (HTML)", "html"),
    ]
    .into_iter()
    .map(|(label, format)| Download {
        label,
        href: format!("/api/v1/reports/{kind}?{query}&format={format}"),
    })
    .collect()
}

impl Picked {
    /// What the officer picked wrong (422); a year no target covers is an answer, not an error,
    /// and an empty tree nobody's mistake.
    fn status(&self, units: &Units) -> StatusCode {
        if !self.errors.is_empty() && !units.is_empty() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        }
    }
}

pub async fn show(
    State(state): State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    flash: Flash,
) -> Result<Response, PageError> {
    let q: ReportQuery = input::query(query.as_deref())?;
    let (db, cache) = (&state.db, &state.cache);
    let units = services::units::visible(db, cache, &user.actor, q.unit().as_slice()).await?;
    let year = match given(&q.year) {
        Some(y) => y.to_owned(),
        None => super::dashboard::default_year(&state, &headers)
            .await?
            .to_string(),
    };
    let picked = q.pick(&units, year);
    let shown = match &picked.report {
        Some(r) => preview(&state, r, &picked.money).await?,
        None => Preview::default(),
    };
    let (status, chosen_year) = (picked.status(&units), picked.year_ok);
    let view = ReportsPage::new(&units, picked, shown, &user, &flash);
    let mut response = page(status, &view, &flash);
    if let (Some(y), Some(_)) = (chosen_year, given(&q.year)) {
        super::dashboard::remember_year(&mut response, y);
    }
    Ok(response)
}

impl ReportsPage {
    fn new(units: &Units, picked: Picked, shown: Preview, user: &WebUser, flash: &Flash) -> Self {
        let mut errors = picked.errors;
        errors.extend(shown.errors);
        ReportsPage {
            kinds: Choice::list(&picked.kind, None, KINDS.iter().copied()),
            units: super::units::choices(units, picked.year_ok, &picked.unit, None),
            views: Choice::list(
                &picked.view,
                None,
                [View::Plan, View::Result].map(|v| (v.as_str(), v.label_vi())),
            ),
            money: Choice::list(
                &picked.money,
                None,
                [("dong", "Đồng"), ("million", "Triệu đồng")],
            ),
            periods: Choice::list(
                &picked.period,
                None,
                Period::ALL.iter().map(|p| (p.as_str(), p.label_vi())),
            ),
            year: picked.year,
            from: picked.from,
            comparable: picked.comparable,
            errors,
            preview: shown.html,
            truncated: shown.truncated,
            downloads: shown.downloads,
            shell: user.shell(flash),
        }
    }
}
