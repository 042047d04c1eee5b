//! `/api/v1/units`: the unit tree.

use super::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use super::page_type;
use super::problems;
use crate::AppState;
use crate::error::AppError;
use crate::services::units::successions::{self, Link, Links};
use crate::services::{self, PageRequest, double_option};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use chrono::{DateTime, NaiveDate, Utc};
use entity::{SuccessionKind, UnitKind, unit, unit_succession};
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
    /// The units this one took over from (it is their successor), by effective date.
    pub predecessors: Vec<LinkOut>,
    /// The units that took over from this one after it ended, by effective date.
    pub successors: Vec<LinkOut>,
}

/// The unit at the other end of a succession.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitRef {
    #[schema(example = 4)]
    pub id: i64,
    #[schema(example = "HN-HADONG")]
    pub code: String,
    #[schema(example = "Quận Hà Đông")]
    pub name: String,
    pub kind: UnitKind,
    /// Vietnamese label of `kind`.
    pub kind_label: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

impl From<&unit::Model> for UnitRef {
    fn from(u: &unit::Model) -> Self {
        UnitRef {
            id: u.id,
            code: u.code.clone(),
            name: u.name.clone(),
            kind: u.kind,
            kind_label: u.kind.label_vi().to_owned(),
            valid_from: u.valid_from,
            valid_to: u.valid_to,
        }
    }
}

/// A succession seen from one of its units.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkOut {
    /// The succession's id (for `DELETE /units/{id}/successions/{succession_id}`).
    pub id: i64,
    pub unit: UnitRef,
    pub kind: SuccessionKind,
    /// Vietnamese label of `kind`.
    pub kind_label: String,
    /// The first day the successor acts in the predecessor's place.
    pub effective_date: NaiveDate,
    /// The decision or resolution that made the change.
    pub decision: Option<String>,
}

impl From<&Link> for LinkOut {
    fn from(l: &Link) -> Self {
        LinkOut {
            id: l.id,
            unit: UnitRef::from(&l.unit),
            kind: l.kind,
            kind_label: l.kind.label_vi().to_owned(),
            effective_date: l.effective_date,
            decision: l.decision.clone(),
        }
    }
}

impl UnitOut {
    fn of(u: unit::Model, links: Option<&Links>) -> Self {
        let list = |v: Option<&Vec<Link>>| {
            v.map(|v| v.iter().map(LinkOut::from).collect())
                .unwrap_or_default()
        };
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
            predecessors: list(links.map(|l| &l.predecessors)),
            successors: list(links.map(|l| &l.successors)),
        }
    }

    /// The unit with its successions read.
    async fn read(state: &AppState, u: unit::Model) -> Result<Self, AppError> {
        let links = successions::links(&state.db, u.id).await?;
        Ok(UnitOut::of(u, Some(&links)))
    }
}

/// A succession as recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuccessionOut {
    pub id: i64,
    /// The unit that ended.
    pub predecessor_id: i64,
    /// The unit that took over (part of) it.
    pub successor_id: i64,
    pub kind: SuccessionKind,
    /// Vietnamese label of `kind`.
    pub kind_label: String,
    pub effective_date: NaiveDate,
    pub decision: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<unit_succession::Model> for SuccessionOut {
    fn from(s: unit_succession::Model) -> Self {
        SuccessionOut {
            id: s.id,
            predecessor_id: s.predecessor_id,
            successor_id: s.successor_id,
            kind_label: s.kind.label_vi().to_owned(),
            kind: s.kind,
            effective_date: s.effective_date,
            decision: s.decision,
            created_at: s.created_at,
        }
    }
}

/// A succession recorded from the predecessor's side.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSuccession {
    /// A unit valid on `effective_date`.
    pub successor_id: i64,
    pub kind: SuccessionKind,
    /// The day after the predecessor's `valid_to`.
    #[schema(example = "2025-07-01")]
    pub effective_date: NaiveDate,
    #[schema(example = "Nghị quyết 1656/NQ-UBTVQH15", max_length = 300)]
    pub decision: Option<String>,
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
    /// Only units valid on some day of this year (2000–2100): the tree of that year.
    #[param(minimum = 2000, maximum = 2100, example = 2026)]
    pub valid_in: Option<i32>,
    /// Only units valid on this day.
    pub valid_on: Option<NaiveDate>,
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
        valid_in: q.valid_in,
        valid_on: q.valid_on,
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
    let ids: Vec<i64> = page.items.iter().map(|u| u.id).collect();
    let links = successions::links_of(&state.db, &ids).await?;
    Ok(Json(
        page.map(|u| {
            let l = links.get(&u.id);
            UnitOut::of(u, l)
        })
        .into(),
    ))
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
        Json(UnitOut::of(unit, None)),
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
    let unit = services::units::get(&state.db, id).await?;
    Ok(Json(UnitOut::read(&state, unit).await?))
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
    let unit = services::units::update(&state.db, &actor, id, patch).await?;
    Ok(Json(UnitOut::read(&state, unit).await?))
}

/// Record a succession
///
/// The unit `id` ended (its `valid_to` is set) and `successor_id` took over (part of) it from
/// `effective_date`, the day after. Administrators only. Refused with field errors when the
/// dates disagree (`predecessor_not_ended`, `effective_date_mismatch`, `successor_not_valid`),
/// for a unit succeeding itself (`same_unit`) or its own successor (`cycle`), or a kind that
/// does not fit the successions already recorded (`kind_conflict`: a merge, rename or transfer
/// has one successor, a rename or transfer one predecessor); 409 `duplicate_succession` for a
/// pair recorded already.
#[utoipa::path(operation_id = "create_unit_succession", post, path = "/units/{id}/successions", tag = "units",
    params(("id" = i64, Path, description = "Id of the unit that ended")),
    request_body = CreateSuccession,
    responses(
        (status = 201, description = "Recorded", body = SuccessionOut),
        problems::Update,
    ))]
pub async fn create_succession(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<CreateSuccession>,
) -> Result<impl IntoResponse, AppError> {
    let recorded = successions::record(
        &state.db,
        &actor,
        successions::NewSuccession {
            predecessor_id: id,
            successor_id: body.successor_id,
            kind: body.kind,
            effective_date: body.effective_date,
            decision: body.decision,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(SuccessionOut::from(recorded))))
}

/// Remove a succession
///
/// For a succession recorded by mistake; `id` is either of its units. Administrators only.
#[utoipa::path(operation_id = "delete_unit_succession", delete, path = "/units/{id}/successions/{succession_id}", tag = "units",
    params(("id" = i64, Path, description = "Id of either unit of the succession"),
           ("succession_id" = i64, Path, description = "Succession id")),
    responses(
        (status = 204, description = "Removed"),
        problems::Get,
    ))]
pub async fn delete_succession(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiPath((id, succession_id)): ApiPath<(i64, i64)>,
) -> Result<StatusCode, AppError> {
    successions::remove(&state.db, &actor, id, succession_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
