//! Projects and purchase estimates (domain.md §10: dự án đầu tư, dự toán mua sắm) and, in
//! [`plans`], their contractor selection plans (KHLCNT) with the dated decisions that adjust
//! them. List, read, create and change, each change under optimistic locking (the version in the
//! UPDATE's WHERE) with its audit row in the same transaction.
//!
//! Who may: every signed-in role reads every project and plan, as it reads every package and
//! unit (`units::visible` is where a narrower reading right would go); administrators change
//! any; officers change the projects whose owner unit is in their unit's subtree, and the plans
//! of those projects; finance and viewers only read.

mod command;
pub mod plans;

pub use command::{
    NewAdjustment, NewPlan, NewProject, PlanPatch, ProjectPatch, adjustment_snapshot,
    plan_snapshot, project_snapshot,
};

use super::accounts::Actor;
use super::audit::{self, Changes};
use super::cache::Cache;
use super::{Page, PageRequest, clean, conflict_on_unique, contains_pattern};
use crate::db;
use crate::domain::text::fold;
use crate::error::{AppError, FieldError};
use chrono::{NaiveDate, Utc};
use entity::{AuditAction, ProjectGroup, ProjectKind, audit_log, project, selection_plan};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, NotSet,
    QueryFilter, QueryOrder, TransactionSession, TransactionTrait,
};
use serde::Deserialize;

/// What the audit trail calls projects.
pub const AUDIT_ENTITY: &str = "project";

/// Which projects to list; also the query parameters of the list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProjectFilter {
    /// Owned by this unit or any unit below it.
    pub unit_id: Option<i64>,
    pub kind: Option<ProjectKind>,
    /// The group of an investment project (`project_group`).
    pub group: Option<ProjectGroup>,
    /// Name or code, with or without diacritics (`van quan` finds `Văn Quán`).
    pub q: Option<String>,
}

/// Today in Vietnam: a decision dated later has not been taken yet.
fn today() -> NaiveDate {
    Utc::now()
        .with_timezone(&crate::domain::VIETNAM)
        .date_naive()
}

/// The unit and every unit below it, after checking that it exists (`field` names it).
async fn subtree(
    db: &impl ConnectionTrait,
    cache: &Cache,
    field: &str,
    unit: i64,
) -> Result<Vec<i64>, AppError> {
    let reference = cache.reference(db, &[unit]).await?;
    if !reference.knows_unit(unit) {
        super::require_unit(db, field, unit).await?;
    }
    // Bound as a list: no administrative tree has near the engines' limit of bound values below
    // one unit (see `db::compliance::Subtree`).
    Ok(reference.subtree(unit))
}

/// Projects in order of entry, a page at a time.
pub async fn list(
    db: &impl ConnectionTrait,
    cache: &Cache,
    filter: ProjectFilter,
    page: PageRequest,
) -> Result<Page<project::Model>, AppError> {
    let (page, per_page) = page.resolve()?;
    let mut query = project::Entity::find();
    if let Some(unit) = filter.unit_id {
        let units = subtree(db, cache, "unit_id", unit).await?;
        query = query.filter(project::Column::UnitId.is_in(units));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(project::Column::Kind.eq(kind));
    }
    if let Some(group) = filter.group {
        query = query.filter(project::Column::ProjectGroup.eq(group));
    }
    if let Some(q) = clean(filter.q) {
        let pattern = contains_pattern(&fold(&q));
        query = query.filter(
            Expr::col(project::Column::SearchText).like(LikeExpr::new(pattern).escape('\\')),
        );
    }
    let ordered = query.order_by_asc(project::Column::Id);
    Ok(Page::of(ordered, db, page, per_page).await?)
}

pub async fn get(db: &impl ConnectionTrait, id: i64) -> Result<project::Model, AppError> {
    project::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("dự án", id))
}

/// What a project's page shows, read in one call so the page handler only renders.
pub struct ProjectPage {
    pub project: project::Model,
    /// Its selection plans, the latest year first.
    pub plans: Vec<selection_plan::Model>,
    /// How many packages each plan has (a plan without any is absent).
    pub package_counts: std::collections::HashMap<i64, u64>,
    /// The actor may change it and add plans to it.
    pub editable: bool,
    /// Its audit trail, oldest first.
    pub history: Vec<audit_log::Model>,
}

pub async fn page(
    db: &impl ConnectionTrait,
    cache: &Cache,
    actor: &Actor,
    id: i64,
) -> Result<ProjectPage, AppError> {
    let project = get(db, id).await?;
    let reference = cache.reference(db, &[project.unit_id]).await?;
    let plans = plans::of_project(db, id).await?;
    let ids: Vec<i64> = plans.iter().map(|p| p.id).collect();
    Ok(ProjectPage {
        package_counts: plans::package_counts(db, &ids).await?,
        plans,
        editable: actor.may_write_unit(&reference.lineage(project.unit_id)),
        history: audit::history(db, AUDIT_ENTITY, id).await?,
        project,
    })
}

/// Errors unless `actor` may change the projects owned by `unit_id` (and their plans): an
/// administrator anywhere, an officer within their unit's subtree, nobody else.
pub async fn require_write(
    db: &impl ConnectionTrait,
    actor: &Actor,
    unit_id: i64,
) -> Result<(), AppError> {
    if actor.is_admin() {
        return Ok(());
    }
    if !actor.writes_packages() {
        return Err(AppError::Forbidden {
            message: format!(
                "Vai trò {} chỉ được xem, không được sửa dự án và kế hoạch lựa chọn nhà thầu",
                actor.role.label_vi()
            ),
        });
    }
    let lineage = db::units::lineage(db, unit_id).await?;
    if actor.may_write_unit(&lineage) {
        Ok(())
    } else {
        Err(AppError::Forbidden {
            message: "Bạn chỉ được sửa dự án và kế hoạch lựa chọn nhà thầu của đơn vị mình và các đơn vị trực thuộc".to_owned(),
        })
    }
}

/// A read-only role is refused before its input is looked at: what it sent is not its to fix.
fn require_writer(actor: &Actor) -> Result<(), AppError> {
    if actor.writes_packages() {
        Ok(())
    } else {
        Err(AppError::Forbidden {
            message: format!(
                "Vai trò {} chỉ được xem, không được sửa dự án và kế hoạch lựa chọn nhà thầu",
                actor.role.label_vi()
            ),
        })
    }
}

fn duplicate_code(code: &str) -> AppError {
    AppError::Conflict {
        code: "duplicate_code",
        message: duplicate_code_message(code),
    }
}

fn duplicate_code_message(code: &str) -> String {
    format!("Mã dự án {code} đã có trong hệ thống")
}

/// Errors with `duplicate_code` when another project than `except` has `code`.
async fn code_free(
    db: &impl ConnectionTrait,
    code: Option<&str>,
    except: Option<i64>,
) -> Result<(), AppError> {
    let Some(code) = code else { return Ok(()) };
    let taken = project::Entity::find()
        .filter(project::Column::Code.eq(code))
        .one(db)
        .await?
        .is_some_and(|other| Some(other.id) != except);
    if taken {
        Err(duplicate_code(code))
    } else {
        Ok(())
    }
}

pub async fn create<C>(db: &C, actor: &Actor, input: NewProject) -> Result<project::Model, AppError>
where
    C: ConnectionTrait + TransactionTrait,
{
    require_writer(actor)?;
    let input = input.normalized();
    input.check()?;
    let txn = db::begin_write(db).await?;
    super::require_unit(&txn, "unit_id", input.unit_id).await?;
    require_write(&txn, actor, input.unit_id).await?;
    code_free(&txn, input.code.as_deref(), None).await?;
    let code = input.code.clone().unwrap_or_default();
    let now = Utc::now();
    let mut active = project::ActiveModel {
        id: NotSet,
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    input.write(&mut active);
    // The check above gives the friendly message; the unique index still decides a race.
    let model = active
        .insert(&txn)
        .await
        .map_err(|e| conflict_on_unique(e, "duplicate_code", duplicate_code_message(&code)))?;
    audit::created(
        &txn,
        actor,
        AUDIT_ENTITY,
        model.id,
        &project_snapshot(&model),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// Applies `patch` if the project is still at `expected_version`; the version then increases.
pub async fn update<C>(
    db: &C,
    actor: &Actor,
    id: i64,
    expected_version: i32,
    patch: ProjectPatch,
) -> Result<project::Model, AppError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let txn = db::begin_write(db).await?;
    let current = get(&txn, id).await?;
    require_write(&txn, actor, current.unit_id).await?;
    if current.version != expected_version {
        return Err(stale(current.version));
    }
    let merged = NewProject::from_model(&current).apply(patch).normalized();
    merged.check()?;
    if merged.unit_id != current.unit_id {
        // Handing a project to another unit needs the right to write at both ends.
        super::require_unit(&txn, "unit_id", merged.unit_id).await?;
        require_write(&txn, actor, merged.unit_id).await?;
    }
    code_free(&txn, merged.code.as_deref(), Some(id)).await?;
    let code = merged.code.clone().unwrap_or_default();
    let mut active = project::ActiveModel {
        updated_at: Set(Utc::now()),
        ..Default::default()
    };
    merged.write(&mut active);
    // The version in the WHERE clause makes the check and the write one step, so two writers
    // that read the same version cannot both succeed.
    let result = project::Entity::update_many()
        .set(active)
        .col_expr(
            project::Column::Version,
            Expr::col(project::Column::Version).add(1),
        )
        .filter(project::Column::Id.eq(id))
        .filter(project::Column::Version.eq(expected_version))
        .exec(&txn)
        .await
        .map_err(|e| conflict_on_unique(e, "duplicate_code", duplicate_code_message(&code)))?;
    if result.rows_affected == 0 {
        return Err(stale(expected_version));
    }
    let updated = get(&txn, id).await?;
    let changes = Changes::between(&project_snapshot(&current), &project_snapshot(&updated));
    audit::record(&txn, actor, AUDIT_ENTITY, id, AuditAction::Update, changes).await?;
    txn.commit().await?;
    Ok(updated)
}

fn stale(current: i32) -> AppError {
    AppError::PreconditionFailed {
        message: format!(
            "Dự án đã được người khác sửa (phiên bản hiện tại: {current}); hãy tải lại rồi sửa tiếp"
        ),
    }
}

/// `field` names a project that does not exist.
fn unknown_project(field: &str, id: i64) -> FieldError {
    FieldError::new(
        field,
        "unknown_project",
        format!("Không có dự án với mã số {id}"),
    )
}

fn stale_plan(current: i32) -> AppError {
    AppError::PreconditionFailed {
        message: format!(
            "Kế hoạch lựa chọn nhà thầu đã được người khác sửa hoặc điều chỉnh (phiên bản hiện tại: {current}); hãy tải lại rồi sửa tiếp"
        ),
    }
}
