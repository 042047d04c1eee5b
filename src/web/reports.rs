//! The reports page: pick a report, a unit, a year and a view; preview it with its chart; download
//! it as CSV, XLSX or the printable page. The preview and the files come from the same tables as
//! `/api/v1/reports/*`.

use super::form::Choice;
use super::page::{Flash, PageError, Params, page};
use super::session::{Shell, WebUser};
use crate::AppState;
use crate::domain::compliance::View;
use crate::error::AppError;
use crate::reports::{self, summary::MoneyUnit};
use crate::services::packages::PackageFilter;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;

/// Rows shown in the preview; the files hold every row.
const PREVIEW_ROWS: usize = 200;

const KINDS: &[(&str, &str)] = &[
    (
        "compliance",
        "Tình hình thực hiện chỉ tiêu lựa chọn nhà thầu qua mạng",
    ),
    ("summary", "Tổng hợp kết quả lựa chọn nhà thầu (Biểu 01/02)"),
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
    year: String,
    errors: Vec<String>,
    preview: Option<String>,
    truncated: Option<String>,
    downloads: Vec<Download>,
    shell: Shell,
}

pub async fn show(
    State(state): State<AppState>,
    user: WebUser,
    headers: axum::http::HeaderMap,
    RawQuery(query): RawQuery,
    flash: Flash,
) -> Result<Response, PageError> {
    let p = Params::query(query.as_deref());
    let all = crate::db::units::all(&state.db).await?;
    let kind = p.opt("report").unwrap_or("compliance");
    let view_raw = p.opt("view").unwrap_or("plan");
    let money_raw = p.opt("money").unwrap_or("dong");
    let default_unit = all
        .iter()
        .find(|u| u.parent_id.is_none())
        .map(|u| u.id.to_string())
        .unwrap_or_default();
    let unit_raw = p.opt("unit_id").map_or(default_unit, str::to_owned);
    let year_raw = match p.opt("year") {
        Some(y) => y.to_owned(),
        None => super::dashboard::default_year(&state, &headers)
            .await?
            .to_string(),
    };

    let mut errors = Vec::new();
    if !KINDS.iter().any(|(k, _)| *k == kind) {
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
    let unit_id = unit_raw
        .parse::<i64>()
        .ok()
        .filter(|id| all.iter().any(|u| u.id == *id));
    if unit_id.is_none() && !all.is_empty() {
        errors.push("Không có đơn vị này; hãy chọn một đơn vị trong danh sách.".to_owned());
    }
    let year = match year_raw.as_str() {
        "" => None,
        y => match y.parse::<i32>() {
            Ok(y) if crate::domain::PLAN_YEARS.contains(&y) => Some(y),
            _ => {
                errors.push("Năm phải là một số từ 2000 đến 2100.".to_owned());
                None
            }
        },
    };
    if all.is_empty() {
        errors.push("Chưa có đơn vị nào: chưa có gì để báo cáo.".to_owned());
    }

    // What the officer picked wrong (422); a year no target covers is an answer, not an error.
    let picked_wrong = !errors.is_empty() && !all.is_empty();
    let mut preview = None;
    let mut truncated = None;
    let mut downloads = Vec::new();
    if let (true, Some(unit_id), Some(year), Some(view), Some(money)) =
        (errors.is_empty(), unit_id, year, view, money)
    {
        let now = Utc::now();
        let built = match kind {
            "compliance" => {
                match crate::services::compliance::compute(&state.db, unit_id, year, view).await {
                    Ok(c) => Ok((
                        reports::compliance::tables(&c, 1, now),
                        reports::html::Chart::compliance(&c),
                    )),
                    Err(e) => Err(e),
                }
            }
            "summary" => reports::summary::build(&state.db, unit_id, year, view, money, now)
                .await
                .map(|t| (vec![t], None)),
            _ => {
                let filter = PackageFilter {
                    unit_id: Some(unit_id),
                    plan_year: Some(year),
                    ..PackageFilter::default()
                };
                reports::packages::build(&state.db, filter, now)
                    .await
                    .map(|t| (vec![t], None))
            }
        };
        match built {
            Ok((tables, chart)) => {
                let data_rows = tables.first().map_or(0, |t| t.rows.len());
                let mut html = String::new();
                for (i, table) in tables.iter().enumerate() {
                    // The scope lines and the chart once, above the first table.
                    let part = if i == 0 {
                        table.clone()
                    } else {
                        reports::table::Table {
                            scope: Vec::new(),
                            ..table.clone()
                        }
                    };
                    html.push_str(
                        &reports::html::fragment(
                            &part,
                            if i == 0 { chart.as_ref() } else { None },
                            PREVIEW_ROWS,
                        )
                        .map_err(|e| PageError(AppError::Internal(e.into())))?,
                    );
                }
                preview = Some(html);
                if data_rows > PREVIEW_ROWS {
                    truncated = Some(format!(
                        "Xem trước {PREVIEW_ROWS} / {data_rows} dòng; tệp tải về có đủ các dòng."
                    ));
                }
                let query = match kind {
                    "packages" => format!("unit_id={unit_id}&plan_year={year}"),
                    "summary" => format!(
                        "unit_id={unit_id}&year={year}&view={}&unit={money_raw}",
                        view.as_str()
                    ),
                    _ => format!("unit_id={unit_id}&year={year}&view={}", view.as_str()),
                };
                downloads = [
                    ("Tải CSV", "csv"),
                    ("Tải Excel (XLSX)", "xlsx"),
                    ("Bản in (HTML)", "html"),
                ]
                .into_iter()
                .map(|(label, format)| Download {
                    label,
                    href: format!("/api/v1/reports/{kind}?{query}&format={format}"),
                })
                .collect();
            }
            Err(AppError::Rule { message, .. }) => errors.push(message),
            Err(AppError::Validation(list)) => {
                errors.extend(list.into_iter().map(|e| e.message));
            }
            Err(e) => return Err(e.into()),
        }
    }

    let status = if picked_wrong {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let report_page = ReportsPage {
        kinds: Choice::list(kind, None, KINDS.iter().copied()),
        units: all
            .iter()
            .map(|u| Choice {
                value: u.id.to_string(),
                label: format!("{} ({})", u.name, u.code),
                selected: u.id.to_string() == unit_raw,
            })
            .collect(),
        views: Choice::list(
            view_raw,
            None,
            [View::Plan, View::Result].map(|v| (v.as_str(), v.label_vi())),
        ),
        money: Choice::list(
            money_raw,
            None,
            [("dong", "Đồng"), ("million", "Triệu đồng")],
        ),
        year: year_raw,
        errors,
        preview,
        truncated,
        downloads,
        shell: user.shell(&flash),
    };
    let mut response = page(status, &report_page, &flash);
    if let (Some(y), true) = (year, p.opt("year").is_some()) {
        super::dashboard::remember_year(&mut response, y);
    }
    Ok(response)
}
