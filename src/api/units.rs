//! `/api/v1/units`: the unit tree.

use super::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use super::page_type;
use super::problems;
use crate::AppState;
use crate::error::AppError;
use crate::services::{self, PageRequest, double_option};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use chrono::{DateTime, NaiveDate, Utc};
use entity::{UnitKind, unit};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitOut {
    #[schema(example = 4)]
    pub id: i64,
    #[schema(example = "HN-HADONG")]
    pub code: String,
    #[schema(example = "Quận Hà Đông")]
    pub name: String,
    pub kind: UnitKind,
    /// Vietnamese label of `kind`.
    pub kind_label: String,
    pub parent_id: Option<i64>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<unit::Model> for UnitOut {
    fn from(u: unit::Model) -> Self {
        UnitOut {
            id: u.id,
            kind_label: u.kind.label_vi().to_owned(),
            code: u.code,
            name: u.name,
            kind: u.kind,
            parent_id: u.parent_id,
            valid_from: u.valid_from,
            valid_to: u.valid_to,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

page_type!(UnitPage, UnitOut);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitQuery {
    /// Only the direct children of this unit.
    pub parent_id: Option<i64>,
    pub kind: Option<UnitKind>,
    /// Name or code, with or without diacritics (`ha dong` finds `Hà Đông`).
    pub q: Option<String>,
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<u64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUnit {
    /// A letter without diacritics or a digit, then letters without diacritics, digits, `-`,
    /// `_`, `.`; stored upper-case (`hn-hadong` is `HN-HADONG`); unique.
    #[schema(
        example = "HN-HADONG-VANQUAN",
        min_length = 1,
        max_length = 64,
        pattern = "^[A-Za-z0-9][A-Za-z0-9._-]*$"
    )]
    pub code: String,
    #[schema(example = "Phường Văn Quán", min_length = 1, max_length = 300)]
    pub name: String,
    pub kind: UnitKind,
    pub parent_id: Option<i64>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

/// A JSON merge patch: absent fields stay, `null` clears an optional field.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUnit {
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = "^[A-Za-z0-9][A-Za-z0-9._-]*$"
    )]
    pub code: Option<String>,
    #[schema(min_length = 1, max_length = 300)]
    pub name: Option<String>,
    pub kind: Option<UnitKind>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub parent_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub valid_from: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub valid_to: Option<Option<NaiveDate>>,
}

/// List units
///
/// Sorted by code.
#[utoipa::path(operation_id = "list_units", get, path = "/units", tag = "units", params(UnitQuery),
    responses(
        (status = 200, description = "A page of units", body = UnitPage),
        problems::List,
    ))]
pub async fn list(
    State(state): State<AppState>,
    Auth(_): Auth,
    ApiQuery(q): ApiQuery<UnitQuery>,
) -> Result<Json<UnitPage>, AppError> {
    let filter = services::units::UnitFilter {
        parent_id: q.parent_id,
        kind: q.kind,
        q: q.q,
    };
    let page = services::units::list(
        &state.db,
        filter,
        PageRequest {
            page: q.page,
            per_page: q.per_page,
        },
    )
    .await?;
    Ok(Json(page.map(UnitOut::from).into()))
}

/// Create a unit
#[utoipa::path(operation_id = "create_unit", post, path = "/units", tag = "units", request_body = CreateUnit,
    responses(
        (status = 201, description = "Created", body = UnitOut, headers(("Location" = String, description = "URL of the new unit"))),
        problems::Create,
    ))]
pub async fn create(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiJson(body): ApiJson<CreateUnit>,
) -> Result<impl IntoResponse, AppError> {
    let unit = services::units::create(
        &state.db,
        &actor,
        services::units::NewUnit {
            code: body.code,
            name: body.name,
            kind: body.kind,
            parent_id: body.parent_id,
            valid_from: body.valid_from,
            valid_to: body.valid_to,
        },
    )
    .await?;
    let location = format!("/api/v1/units/{}", unit.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(UnitOut::from(unit)),
    ))
}

/// Get a unit
#[utoipa::path(operation_id = "get_unit", get, path = "/units/{id}", tag = "units", params(("id" = i64, Path, description = "Unit id")),
    responses(
        (status = 200, description = "The unit", body = UnitOut),
        problems::Get,
    ))]
pub async fn get(
    State(state): State<AppState>,
    Auth(_): Auth,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<UnitOut>, AppError> {
    Ok(Json(services::units::get(&state.db, id).await?.into()))
}

/// Change a unit
///
/// A JSON merge patch. Moving a unit under one of its own descendants is refused.
#[utoipa::path(operation_id = "update_unit", patch, path = "/units/{id}", tag = "units", params(("id" = i64, Path, description = "Unit id")),
    request_body(content = UpdateUnit, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The changed unit", body = UnitOut),
        problems::Update,
    ))]
pub async fn update(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<UpdateUnit>,
) -> Result<Json<UnitOut>, AppError> {
    let patch = services::units::UnitPatch {
        code: body.code,
        name: body.name,
        kind: body.kind,
        parent_id: body.parent_id,
        valid_from: body.valid_from,
        valid_to: body.valid_to,
    };
    Ok(Json(
        services::units::update(&state.db, &actor, id, patch)
            .await?
            .into(),
    ))
}
