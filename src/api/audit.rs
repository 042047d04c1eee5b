//! The audit trail over the API: one package's history, and the whole trail for administrators
//! and the finance department.

use super::extract::{ApiPath, ApiQuery, Auth};
use super::{page_type, problems};
use crate::AppState;
use crate::error::AppError;
use crate::services::audit::{self, AuditFilter};
use crate::services::{PageRequest, packages};
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, NaiveDate, Utc};
use entity::{AuditAction, audit_log};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryOut {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// Absent for the system (command line, demo loader).
    pub user_id: Option<i64>,
    #[schema(example = "demo-officer")]
    pub username: String,
    /// `package`, `project`, `selection_plan`, `plan_adjustment`, `unit`, `unit_succession`, `target_rule` or `user`.
    #[schema(example = "package")]
    pub entity: String,
    pub entity_id: i64,
    pub action: AuditAction,
    /// Each changed field with its old and new value: `{"online": {"old": false, "new": true}}`.
    #[schema(value_type = Object)]
    pub changes: serde_json::Value,
}

impl From<audit_log::Model> for AuditEntryOut {
    fn from(a: audit_log::Model) -> Self {
        AuditEntryOut {
            id: a.id,
            at: a.at,
            user_id: a.user_id,
            username: a.username,
            entity: a.entity,
            entity_id: a.entity_id,
            action: a.action,
            changes: crate::services::audit::Changes::recorded(&a.changes).into_value(),
        }
    }
}

page_type!(AuditPage, AuditEntryOut);

/// A package's history
///
/// Every change of the package, oldest first: who, when, and each field's old and new value.
/// A deleted package keeps its history.
#[utoipa::path(operation_id = "package_history", get, path = "/packages/{id}/history", tag = "packages",
    params(("id" = i64, Path, description = "Package id")),
    responses((status = 200, description = "The changes, oldest first", body = Vec<AuditEntryOut>), problems::Get))]
pub async fn package_history(
    State(state): State<AppState>,
    Auth(_): Auth,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<AuditEntryOut>>, AppError> {
    let rows = audit::history(&state.db, packages::AUDIT_ENTITY, id).await?;
    if rows.is_empty() {
        return Err(AppError::not_found("gói thầu", id));
    }
    Ok(Json(rows.into_iter().map(AuditEntryOut::from).collect()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only this user's changes.
    pub user: Option<String>,
    /// `package`, `project`, `selection_plan`, `plan_adjustment`, `unit`, `unit_succession`, `target_rule` or `user`.
    pub entity: Option<String>,
    /// From this day (inclusive, UTC).
    pub from: Option<NaiveDate>,
    /// Up to this day (inclusive, UTC).
    pub to: Option<NaiveDate>,
}

/// The audit trail
///
/// Every change, newest first. For administrators and the finance department.
#[utoipa::path(operation_id = "list_audit", get, path = "/audit", tag = "audit",
    params(AuditQuery, PageRequest),
    responses((status = 200, description = "A page of the trail", body = AuditPage), problems::List))]
pub async fn list(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiQuery(q): ApiQuery<AuditQuery>,
    ApiQuery(page): ApiQuery<PageRequest>,
) -> Result<Json<AuditPage>, AppError> {
    let day = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    let filter = AuditFilter {
        username: q.user,
        entity: q.entity,
        from: q.from.and_then(day),
        to: q.to.and_then(|d| d.succ_opt()).and_then(day),
    };
    let page = audit::list(&state.db, &actor, filter, page).await?;
    Ok(Json(page.map(AuditEntryOut::from).into()))
}
