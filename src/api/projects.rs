//! `/api/v1/projects`: projects and purchase estimates (dự án đầu tư, dự toán mua sắm), with
//! optimistic locking on change.

use super::extract::{ApiJson, ApiPath, ApiQuery, Auth, IfMatch, etag};
use super::{page_type, problems};
use crate::AppState;
use crate::error::AppError;
use crate::services::PageRequest;
use crate::services::projects::{self as service, NewProject, ProjectFilter, ProjectPatch};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use entity::{FundingKind, ProjectGroup, ProjectKind, project};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectOut {
    #[schema(example = 1)]
    pub id: i64,
    /// The owner unit (the investor, chủ đầu tư).
    pub unit_id: i64,
    /// The code on VNEPS (`PR` + yy + 8 digits, or an older form); unique when present.
    #[schema(example = "PR1900012345")]
    pub code: Option<String>,
    #[schema(example = "Cải tạo, nâng cấp trường THCS Văn Quán")]
    pub name: String,
    pub kind: ProjectKind,
    /// Only for investment projects.
    pub project_group: Option<ProjectGroup>,
    pub funding_kind: FundingKind,
    #[schema(example = "Ngân sách quận năm 2019")]
    pub funding_source: Option<String>,
    /// Total investment or purchase estimate, in whole đồng.
    #[schema(example = 45000000000_i64)]
    pub total_vnd: Option<i64>,
    /// Increases with every change; the ETag carries it.
    #[schema(example = 1)]
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<project::Model> for ProjectOut {
    fn from(p: project::Model) -> Self {
        ProjectOut {
            id: p.id,
            unit_id: p.unit_id,
            code: p.code,
            name: p.name,
            kind: p.kind,
            project_group: p.project_group,
            funding_kind: p.funding_kind,
            funding_source: p.funding_source,
            total_vnd: p.total_vnd,
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

page_type!(ProjectPage, ProjectOut);

fn with_etag(p: project::Model) -> impl IntoResponse {
    ([(header::ETAG, etag(p.version))], Json(ProjectOut::from(p)))
}

/// List projects
///
/// In order of entry. `unit_id` takes the unit's whole subtree; `q` searches name and code with
/// or without diacritics.
#[utoipa::path(operation_id = "list_projects", get, path = "/projects", tag = "projects", params(ProjectFilter, PageRequest),
    responses(
        (status = 200, description = "A page of projects", body = ProjectPage),
        problems::List,
    ))]
pub async fn list(
    State(state): State<AppState>,
    Auth(_): Auth,
    ApiQuery(filter): ApiQuery<ProjectFilter>,
    ApiQuery(page): ApiQuery<PageRequest>,
) -> Result<Json<ProjectPage>, AppError> {
    let page = service::list(&state.db, &state.cache, filter, page).await?;
    Ok(Json(page.map(ProjectOut::from).into()))
}

/// Create a project
///
/// Required: `unit_id`, `name`, `kind`, `funding_kind`; `project_group` exactly when `kind` is
/// `investment_project`. Officers create projects of their own unit's subtree.
#[utoipa::path(operation_id = "create_project", post, path = "/projects", tag = "projects", request_body = NewProject,
    responses(
        (status = 201, description = "Created", body = ProjectOut, headers(
            ("Location" = String, description = "URL of the new project"),
            ("ETag" = String, description = "Version tag for If-Match"))),
        problems::Create,
    ))]
pub async fn create(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiJson(body): ApiJson<NewProject>,
) -> Result<impl IntoResponse, AppError> {
    let p = service::create(&state.db, &actor, body).await?;
    let location = format!("/api/v1/projects/{}", p.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        with_etag(p),
    ))
}

/// Get a project
#[utoipa::path(operation_id = "get_project", get, path = "/projects/{id}", tag = "projects", params(("id" = i64, Path, description = "Project id")),
    responses(
        (status = 200, description = "The project", body = ProjectOut, headers(("ETag" = String, description = "Version tag for If-Match"))),
        problems::Get,
    ))]
pub async fn get(
    State(state): State<AppState>,
    Auth(_): Auth,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse, AppError> {
    Ok(with_etag(service::get(&state.db, id).await?))
}

/// Change a project
///
/// A JSON merge patch: absent fields stay, `null` clears an optional field. Send the ETag from
/// `GET` in `If-Match`; if someone saved in between, the answer is 412 and nothing changes.
/// Changing `kind` away from `investment_project` needs `"project_group": null` with it.
#[utoipa::path(operation_id = "update_project", patch, path = "/projects/{id}", tag = "projects",
    params(("id" = i64, Path, description = "Project id"),
           ("If-Match" = String, Header, description = "The ETag of the version being changed, e.g. \"3\"")),
    request_body(content = ProjectPatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The changed project", body = ProjectOut, headers(("ETag" = String, description = "The new version tag"))),
        problems::Update, problems::Locked,
    ))]
pub async fn update(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiPath(id): ApiPath<i64>,
    IfMatch(version): IfMatch,
    ApiJson(body): ApiJson<ProjectPatch>,
) -> Result<impl IntoResponse, AppError> {
    Ok(with_etag(
        service::update(&state.db, &actor, id, version, body).await?,
    ))
}
