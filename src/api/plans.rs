//! `/api/v1/plans`: contractor selection plans (KHLCNT) of projects, with optimistic locking on
//! change, and their adjustments (append-only).

use super::extract::{ApiJson, ApiPath, ApiQuery, Auth, IfMatch, etag};
use super::{page_type, problems};
use crate::AppState;
use crate::error::AppError;
use crate::services::PageRequest;
use crate::services::projects::plans::{self as service, PlanFilter, PlanView};
use crate::services::projects::{NewAdjustment, NewPlan, PlanPatch};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use chrono::{DateTime, NaiveDate, Utc};
use entity::plan_adjustment;
use serde::Serialize;
use utoipa::ToSchema;

/// An adjustment of a plan: the decision that adjusted it and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdjustmentOut {
    pub id: i64,
    #[schema(example = "2345/QĐ-UBND")]
    pub decision_no: String,
    pub decision_date: NaiveDate,
    pub reason: String,
    /// Who recorded it; absent for the system.
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl From<plan_adjustment::Model> for AdjustmentOut {
    fn from(a: plan_adjustment::Model) -> Self {
        AdjustmentOut {
            id: a.id,
            decision_no: a.decision_no,
            decision_date: a.decision_date,
            reason: a.reason,
            created_by: a.created_by,
            created_at: a.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanOut {
    #[schema(example = 1)]
    pub id: i64,
    pub project_id: i64,
    /// The code on VNEPS (`PL` + yy + 8 digits, or an older form); unique when present.
    #[schema(example = "PL1900001234")]
    pub code: Option<String>,
    pub name: String,
    #[schema(example = 2019)]
    pub year: i32,
    /// The approving decision, as approved; later changes are `adjustments`.
    #[schema(example = "1234/QĐ-UBND")]
    pub decision_no: Option<String>,
    pub decision_date: Option<NaiveDate>,
    #[schema(example = "UBND quận Hà Đông")]
    pub approver: Option<String>,
    /// The decisions that adjusted the plan, the latest decision date first.
    pub adjustments: Vec<AdjustmentOut>,
    /// Increases with every change and every adjustment; the ETag carries it.
    #[schema(example = 1)]
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<PlanView> for PlanOut {
    fn from(v: PlanView) -> Self {
        let p = v.plan;
        PlanOut {
            id: p.id,
            project_id: p.project_id,
            code: p.code,
            name: p.name,
            year: p.year,
            decision_no: p.decision_no,
            decision_date: p.decision_date,
            approver: p.approver,
            adjustments: v.adjustments.into_iter().map(AdjustmentOut::from).collect(),
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

page_type!(PlanPage, PlanOut);

fn with_etag(v: PlanView) -> impl IntoResponse {
    (
        [(header::ETAG, etag(v.plan.version))],
        Json(PlanOut::from(v)),
    )
}

/// List selection plans
///
/// In order of entry, each with its adjustments. `unit_id` takes the plans of projects owned by
/// the unit's whole subtree.
#[utoipa::path(operation_id = "list_plans", get, path = "/plans", tag = "plans", params(PlanFilter, PageRequest),
    responses(
        (status = 200, description = "A page of plans", body = PlanPage),
        problems::List,
    ))]
pub async fn list(
    State(state): State<AppState>,
    Auth(_): Auth,
    ApiQuery(filter): ApiQuery<PlanFilter>,
    ApiQuery(page): ApiQuery<PageRequest>,
) -> Result<Json<PlanPage>, AppError> {
    let page = service::list(&state.db, &state.cache, filter, page).await?;
    Ok(Json(page.map(PlanOut::from).into()))
}

/// Create a selection plan
///
/// Required: `project_id`, `name`, `year`. The decision date may not be after today.
#[utoipa::path(operation_id = "create_plan", post, path = "/plans", tag = "plans", request_body = NewPlan,
    responses(
        (status = 201, description = "Created", body = PlanOut, headers(
            ("Location" = String, description = "URL of the new plan"),
            ("ETag" = String, description = "Version tag for If-Match"))),
        problems::Create,
    ))]
pub async fn create(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiJson(body): ApiJson<NewPlan>,
) -> Result<impl IntoResponse, AppError> {
    let plan = service::create(&state.db, &actor, body).await?;
    let location = format!("/api/v1/plans/{}", plan.id);
    let view = PlanView {
        plan,
        adjustments: Vec::new(),
    };
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        with_etag(view),
    ))
}

/// Get a selection plan
///
/// With its adjustments, the latest decision date first.
#[utoipa::path(operation_id = "get_plan", get, path = "/plans/{id}", tag = "plans", params(("id" = i64, Path, description = "Plan id")),
    responses(
        (status = 200, description = "The plan", body = PlanOut, headers(("ETag" = String, description = "Version tag for If-Match"))),
        problems::Get,
    ))]
pub async fn get(
    State(state): State<AppState>,
    Auth(_): Auth,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse, AppError> {
    Ok(with_etag(service::get(&state.db, id).await?))
}

/// Change a selection plan
///
/// A JSON merge patch of the plan as approved (its project stays); an adjustment is recorded
/// with `POST /plans/{id}/adjustments` instead. Send the ETag from `GET` in `If-Match`: 412 if
/// the plan was changed or adjusted in between.
#[utoipa::path(operation_id = "update_plan", patch, path = "/plans/{id}", tag = "plans",
    params(("id" = i64, Path, description = "Plan id"),
           ("If-Match" = String, Header, description = "The ETag of the version being changed, e.g. \"3\"")),
    request_body(content = PlanPatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The changed plan", body = PlanOut, headers(("ETag" = String, description = "The new version tag"))),
        problems::Update, problems::Locked,
    ))]
pub async fn update(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiPath(id): ApiPath<i64>,
    IfMatch(version): IfMatch,
    ApiJson(body): ApiJson<PlanPatch>,
) -> Result<impl IntoResponse, AppError> {
    Ok(with_etag(
        service::update(&state.db, &actor, id, version, body).await?,
    ))
}

/// A plan's adjustments
///
/// The latest decision date first.
#[utoipa::path(operation_id = "list_plan_adjustments", get, path = "/plans/{id}/adjustments", tag = "plans",
    params(("id" = i64, Path, description = "Plan id")),
    responses(
        (status = 200, description = "The adjustments, the latest decision first", body = Vec<AdjustmentOut>),
        problems::Get,
    ))]
pub async fn adjustments(
    State(state): State<AppState>,
    Auth(_): Auth,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<AdjustmentOut>>, AppError> {
    let rows = service::adjustments(&state.db, id).await?;
    Ok(Json(rows.into_iter().map(AdjustmentOut::from).collect()))
}

/// Record an adjustment of a plan
///
/// Appends the adjusting decision (number, date not after today, reason); adjustments are never
/// changed or removed. The plan's version increases (a `PATCH` against the earlier ETag gets
/// 412); the answer's `ETag` is the plan's new one. 409 `duplicate_decision` when the plan has
/// an adjustment with this decision number already.
#[utoipa::path(operation_id = "create_plan_adjustment", post, path = "/plans/{id}/adjustments", tag = "plans",
    params(("id" = i64, Path, description = "Plan id")),
    request_body = NewAdjustment,
    responses(
        (status = 201, description = "Recorded", body = AdjustmentOut, headers(
            ("Location" = String, description = "URL of the plan's adjustments"),
            ("ETag" = String, description = "The plan's new version tag"))),
        problems::Update,
    ))]
pub async fn adjust(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<NewAdjustment>,
) -> Result<impl IntoResponse, AppError> {
    let done = service::adjust(&state.db, &actor, id, body).await?;
    Ok((
        StatusCode::CREATED,
        [
            (header::LOCATION, format!("/api/v1/plans/{id}/adjustments")),
            (header::ETAG, etag(done.plan.version)),
        ],
        Json(AdjustmentOut::from(done.adjustment)),
    ))
}
