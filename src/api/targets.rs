//! `/api/v1/targets`: the target rules of domain.md §5.

use super::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use super::page_type;
use super::problems;
use crate::AppState;
use crate::error::AppError;
use crate::services::targets::{Ceilings, NewTarget, TargetMethod, TargetPatch, TargetView};
use crate::services::{self, PageRequest};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct TargetOut {
    pub id: i64,
    #[schema(example = "nq01_2019")]
    pub code: String,
    #[schema(example = "Nghị quyết 01/NQ-CP (2019)")]
    pub name: String,
    pub legal_basis: String,
    /// Where the rule comes from and how sure that source is.
    pub source_note: String,
    /// The unit whose subtree the rule covers; null: the whole system.
    pub unit_id: Option<i64>,
    /// The target this rule stands in for within the unit's subtree; null: a target of its own.
    /// The targets in force for a unit are grouped by this code (or the rule's own), and the
    /// most specific rule of each group applies.
    pub replaces_code: Option<String>,
    /// The rule's own price ceilings by field, for methods counted `within_ceilings`.
    pub ceilings: Ceilings,
    #[schema(example = 2019)]
    pub year_from: i32,
    /// null: open-ended.
    #[schema(example = 2019)]
    pub year_to: Option<i32>,
    /// Minimum share of the number of in-scope packages selected online, in percent.
    #[schema(example = 50)]
    pub min_count_percent: i32,
    /// Minimum share of their value, in percent; null when the rule sets none.
    #[schema(example = 15)]
    pub min_value_percent: Option<i32>,
    pub domestic_only: bool,
    pub exclude_two_stage: bool,
    pub exclude_exempt: bool,
    pub methods: Vec<TargetMethod>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<TargetView> for TargetOut {
    fn from(v: TargetView) -> Self {
        let r = v.rule;
        let ceilings = Ceilings::of(&r);
        TargetOut {
            id: r.id,
            code: r.code,
            name: r.name,
            ceilings,
            legal_basis: r.legal_basis,
            source_note: r.source_note,
            unit_id: r.unit_id,
            replaces_code: r.replaces_code,
            year_from: r.year_from,
            year_to: r.year_to,
            min_count_percent: r.min_count_percent,
            min_value_percent: r.min_value_percent,
            domestic_only: r.domestic_only,
            exclude_two_stage: r.exclude_two_stage,
            exclude_exempt: r.exclude_exempt,
            methods: v.methods,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

page_type!(TargetPage, TargetOut);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TargetQuery {
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<u64>,
}

/// A new target rule.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTarget {
    #[schema(
        example = "hadong_2019",
        min_length = 1,
        max_length = 64,
        pattern = "^[A-Za-z0-9._-]+$"
    )]
    pub code: String,
    #[schema(
        example = "Quận Hà Đông: 60% số gói thầu qua mạng",
        min_length = 1,
        max_length = 300
    )]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub legal_basis: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub source_note: String,
    /// Attach the rule to a unit's subtree; omit for the whole system.
    pub unit_id: Option<i64>,
    /// The code of the target this rule stands in for within the unit's subtree (e.g. a
    /// stricter district goal in place of `nq01_2019`); omit for a target of its own.
    #[schema(max_length = 64, pattern = "^[A-Za-z0-9._-]+$")]
    pub replaces_code: Option<String>,
    /// Per-field price ceilings for the methods counted `within_ceilings`.
    pub ceilings: Option<Ceilings>,
    #[schema(minimum = 2000, maximum = 2100, example = 2019)]
    pub year_from: i32,
    #[schema(minimum = 2000, maximum = 2100, example = 2019)]
    pub year_to: Option<i32>,
    #[schema(minimum = 0, maximum = 100, example = 60)]
    pub min_count_percent: i32,
    #[schema(minimum = 0, maximum = 100)]
    pub min_value_percent: Option<i32>,
    /// Default true.
    pub domestic_only: Option<bool>,
    /// Default false.
    pub exclude_two_stage: Option<bool>,
    /// Default false.
    pub exclude_exempt: Option<bool>,
    /// At least one, each method once.
    #[schema(min_items = 1)]
    pub methods: Vec<TargetMethod>,
}

/// A JSON merge patch of a rule; `methods`, when present, replaces the whole list.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTarget {
    #[schema(min_length = 1, max_length = 64, pattern = "^[A-Za-z0-9._-]+$")]
    pub code: Option<String>,
    #[schema(min_length = 1, max_length = 300)]
    pub name: Option<String>,
    #[schema(max_length = 2000)]
    pub legal_basis: Option<String>,
    #[schema(max_length = 2000)]
    pub source_note: Option<String>,
    #[serde(default, deserialize_with = "services::double_option")]
    #[schema(value_type = Option<i64>)]
    pub unit_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "services::double_option")]
    #[schema(value_type = Option<String>, max_length = 64, pattern = "^[A-Za-z0-9._-]+$")]
    pub replaces_code: Option<Option<String>>,
    /// Replaces all five ceilings when present.
    pub ceilings: Option<Ceilings>,
    #[schema(minimum = 2000, maximum = 2100)]
    pub year_from: Option<i32>,
    #[serde(default, deserialize_with = "services::double_option")]
    #[schema(value_type = Option<i32>, minimum = 2000, maximum = 2100)]
    pub year_to: Option<Option<i32>>,
    #[schema(minimum = 0, maximum = 100)]
    pub min_count_percent: Option<i32>,
    #[serde(default, deserialize_with = "services::double_option")]
    #[schema(value_type = Option<i32>, minimum = 0, maximum = 100)]
    pub min_value_percent: Option<Option<i32>>,
    pub domestic_only: Option<bool>,
    pub exclude_two_stage: Option<bool>,
    pub exclude_exempt: Option<bool>,
    #[schema(min_items = 1)]
    pub methods: Option<Vec<TargetMethod>>,
}

/// List target rules
///
/// Ordered by first year.
#[utoipa::path(operation_id = "list_targets", get, path = "/targets", tag = "targets", params(TargetQuery),
    responses(
        (status = 200, description = "A page of rules", body = TargetPage),
        problems::List,
    ))]
pub async fn list(
    State(state): State<AppState>,
    Auth(_): Auth,
    ApiQuery(q): ApiQuery<TargetQuery>,
) -> Result<Json<TargetPage>, AppError> {
    let page = services::targets::list(
        &state.db,
        PageRequest {
            page: q.page,
            per_page: q.per_page,
        },
    )
    .await?;
    Ok(Json(page.map(TargetOut::from).into()))
}

/// Create a target rule
#[utoipa::path(operation_id = "create_target", post, path = "/targets", tag = "targets", request_body = CreateTarget,
    responses(
        (status = 201, description = "Created", body = TargetOut, headers(("Location" = String, description = "URL of the new rule"))),
        problems::Create,
    ))]
pub async fn create(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiJson(b): ApiJson<CreateTarget>,
) -> Result<impl IntoResponse, AppError> {
    let view = services::targets::create(
        &state.db,
        &actor,
        NewTarget {
            code: b.code,
            name: b.name,
            legal_basis: b.legal_basis,
            source_note: b.source_note,
            unit_id: b.unit_id,
            replaces_code: b.replaces_code,
            ceilings: b.ceilings.unwrap_or_default(),
            year_from: b.year_from,
            year_to: b.year_to,
            min_count_percent: b.min_count_percent,
            min_value_percent: b.min_value_percent,
            domestic_only: b.domestic_only.unwrap_or(true),
            exclude_two_stage: b.exclude_two_stage.unwrap_or(false),
            exclude_exempt: b.exclude_exempt.unwrap_or(false),
            methods: b.methods,
        },
    )
    .await?;
    let location = format!("/api/v1/targets/{}", view.rule.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(TargetOut::from(view)),
    ))
}

/// Get a target rule
#[utoipa::path(operation_id = "get_target", get, path = "/targets/{id}", tag = "targets", params(("id" = i64, Path, description = "Rule id")),
    responses(
        (status = 200, description = "The rule", body = TargetOut),
        problems::Get,
    ))]
pub async fn get(
    State(state): State<AppState>,
    Auth(_): Auth,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<TargetOut>, AppError> {
    Ok(Json(services::targets::get(&state.db, id).await?.into()))
}

/// Change a target rule
#[utoipa::path(operation_id = "update_target", patch, path = "/targets/{id}", tag = "targets", params(("id" = i64, Path, description = "Rule id")),
    request_body(content = UpdateTarget, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The changed rule", body = TargetOut),
        problems::Update,
    ))]
pub async fn update(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<UpdateTarget>,
) -> Result<Json<TargetOut>, AppError> {
    let patch = TargetPatch {
        code: b.code,
        name: b.name,
        legal_basis: b.legal_basis,
        source_note: b.source_note,
        unit_id: b.unit_id,
        replaces_code: b.replaces_code,
        ceilings: b.ceilings,
        year_from: b.year_from,
        year_to: b.year_to,
        min_count_percent: b.min_count_percent,
        min_value_percent: b.min_value_percent,
        domestic_only: b.domestic_only,
        exclude_two_stage: b.exclude_two_stage,
        exclude_exempt: b.exclude_exempt,
        methods: b.methods,
    };
    Ok(Json(
        services::targets::update(&state.db, &actor, id, patch)
            .await?
            .into(),
    ))
}
