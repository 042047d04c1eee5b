//! `/api/v1/compliance`: a unit's standing against its target, and the packages behind each
//! figure. Both call the one compliance computation of `services::compliance`.

use super::extract::{ApiQuery, Auth};
use super::packages::PackageOut;
use super::problems;
use crate::AppState;
use crate::domain::compliance::View;
use crate::error::AppError;
use crate::services::compliance::{Compliance, RuleRef};
use crate::services::trend::{Trend, TrendRequest};
use crate::services::{self, PageRequest};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ComplianceQuery {
    pub unit_id: i64,
    #[param(minimum = 2000, maximum = 2100, example = 2019)]
    pub year: i32,
    /// `plan` (default): packages by plan year; `result`: awarded packages by result year.
    pub view: Option<View>,
}

/// Compliance of a unit for a year
///
/// The unit's whole subtree. `overall` counts every package of the year whatever the targets;
/// `targets` has every target in force for the unit and year (several may be: 2021 had two),
/// each under the most specific rule of that target, with its own verdict: `met` is null when
/// nothing is in scope; `shortfall` is how many more in-scope packages must go online
/// (`value_shortfall_vnd`: how many more đồng). A year without any rule has figures, an empty
/// `targets` and `no_target` saying so. `by_unit` has the unit's own packages (if any) and each
/// child's subtree, each child under the targets in force for it (its own rule when it has
/// one); `by_method` and `by_field` list a target only where it counts the method or field.
#[utoipa::path(operation_id = "get_compliance", get, path = "/compliance", tag = "compliance", params(ComplianceQuery),
    responses(
        (status = 200, description = "The figures", body = Compliance),
        problems::Compliance,
    ))]
pub async fn check(
    State(state): State<AppState>,
    Auth(_): Auth,
    ApiQuery(q): ApiQuery<ComplianceQuery>,
) -> Result<Json<Compliance>, AppError> {
    let figures = services::compliance::check_cached(
        &state.db,
        &state.cache,
        q.unit_id,
        q.year,
        q.view.unwrap_or_default(),
    )
    .await?;
    Ok(Json(std::sync::Arc::unwrap_or_clone(figures)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DrillDownQuery {
    pub unit_id: i64,
    #[param(minimum = 2000, maximum = 2100, example = 2019)]
    pub year: i32,
    pub view: Option<View>,
    /// The target the scope is taken from: a rule code (or the code a unit's rule replaces).
    /// Default: the first target in force.
    #[param(max_length = 64, pattern = "^[A-Za-z0-9._-]+$")]
    pub target: Option<String>,
    /// Only packages in (true) or out of (false) the target's scope; refused when no target is
    /// in force.
    pub in_scope: Option<bool>,
    /// Only packages selected online (true) or not (false).
    pub online: Option<bool>,
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<u64>,
}

/// The packages behind a compliance figure.
#[derive(Debug, Serialize, ToSchema)]
pub struct DrillDownPage {
    /// The rule every package here is judged by (the checked unit's); null when no target is in
    /// force for the year.
    pub rule: Option<RuleRef>,
    pub items: Vec<PackageOut>,
    pub page: u64,
    pub per_page: u64,
    pub total: u64,
}

/// Packages behind a compliance figure
///
/// The packages counted in the year for the unit's subtree, each with its scope reason under the
/// rule the check used. `in_scope=true&online=false` lists the packages that keep a unit from
/// its target.
#[utoipa::path(operation_id = "list_compliance_packages", get, path = "/compliance/packages", tag = "compliance", params(DrillDownQuery),
    responses(
        (status = 200, description = "A page of packages", body = DrillDownPage),
        problems::Compliance,
    ))]
pub async fn packages_behind(
    State(state): State<AppState>,
    Auth(_): Auth,
    ApiQuery(q): ApiQuery<DrillDownQuery>,
) -> Result<Json<DrillDownPage>, AppError> {
    let (rule, page) = services::compliance::packages_behind(
        &state.db,
        q.unit_id,
        q.year,
        q.view.unwrap_or_default(),
        q.target.as_deref(),
        services::compliance::Behind {
            in_scope: q.in_scope,
            online: q.online,
            ..Default::default()
        },
        PageRequest {
            page: q.page,
            per_page: q.per_page,
        },
    )
    .await?;
    Ok(Json(DrillDownPage {
        rule,
        items: page.items.into_iter().map(PackageOut::from).collect(),
        page: page.page,
        per_page: page.per_page,
        total: page.total,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrendQuery {
    pub unit_id: i64,
    /// The first year.
    #[param(minimum = 2000, maximum = 2100, example = 2019)]
    pub from: i32,
    /// The last year; at most 30 years after `from` (inclusive).
    #[param(minimum = 2000, maximum = 2100, example = 2026)]
    pub to: i32,
    pub view: Option<View>,
    /// Count with the unit its predecessors that passed to it whole (merge, rename, transfer),
    /// through the recorded successions; a predecessor divided among several units is listed
    /// apart in `divided`, never added. Default false.
    pub comparable: Option<bool>,
    /// json (default): the figures below; csv, xlsx, html: the same as a report table.
    pub format: Option<crate::reports::Format>,
}

/// Online share of a unit year after year
///
/// Per year from `from` to `to`: every package counted (`overall`) and each target in force
/// that year with the rule that applied, its thresholds, verdict and shortfall — the figures
/// `GET /compliance` gives for that year. A year without any rule has its figures, an empty
/// `targets` and `no_target`. With `comparable=true` the unit's predecessors that passed to it
/// whole are counted with it ("… và các đơn vị tiền nhiệm"); one divided among several units is
/// shown in `divided` with its successors named. Reused from a cache until data changes.
#[utoipa::path(operation_id = "get_compliance_trend", get, path = "/compliance/trend", tag = "compliance", params(TrendQuery),
    responses(
        (status = 200, description = "The trend",
            content(
                (Trend = "application/json"),
                (String = "text/csv"),
                (super::reports::XlsxFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                (String = "text/html"),
            )),
        problems::Compliance,
    ))]
pub async fn trend(
    State(state): State<AppState>,
    Auth(_): Auth,
    ApiQuery(q): ApiQuery<TrendQuery>,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    let request = TrendRequest {
        unit_id: q.unit_id,
        from: q.from,
        to: q.to,
        view: q.view.unwrap_or_default(),
        comparable: q.comparable.unwrap_or(false),
    };
    let t = services::trend::trend_cached(&state.db, &state.cache, request).await?;
    let format = q.format.unwrap_or_default();
    if format == crate::reports::Format::Json {
        return Ok(Json(std::sync::Arc::unwrap_or_clone(t)).into_response());
    }
    let table = crate::reports::trend::table(&t, chrono::Utc::now());
    Ok(super::reports::respond(
        crate::reports::render(&table, format, None)?,
        format,
    ))
}
