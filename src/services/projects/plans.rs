//! Contractor selection plans (KHLCNT) of a project, and the adjustments to them. A plan's own
//! fields record the plan as approved; a later change is a dated decision of its own, appended
//! through [`adjust`] and never edited or removed, so the record shows every decision that
//! shaped the plan. Appending one changes the plan (its version increases): an edit made
//! against the plan as it was before is refused as stale.

use super::command::{NewAdjustment, NewPlan, PlanPatch, adjustment_snapshot, plan_snapshot};
use super::{
    get as get_project, require_write, require_writer, stale_plan, today, unknown_project,
};
use crate::db;
use crate::error::AppError;
use crate::services::accounts::Actor;
use crate::services::audit::{self, Changes};
use crate::services::cache::Cache;
use crate::services::{Page, PageRequest, conflict_on_unique};
use chrono::Utc;
use entity::{AuditAction, audit_log, package, plan_adjustment, project, selection_plan};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, NotSet,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionSession, TransactionTrait,
};
use serde::Deserialize;
use std::collections::HashMap;

/// What the audit trail calls plans and their adjustments.
pub const AUDIT_ENTITY: &str = "selection_plan";
pub const AUDIT_ADJUSTMENT: &str = "plan_adjustment";

/// Which plans to list; also the query parameters of the list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlanFilter {
    pub project_id: Option<i64>,
    /// Plans of projects owned by this unit or any unit below it.
    pub unit_id: Option<i64>,
    /// The plan's year.
    pub year: Option<i32>,
}

/// A plan with its adjustments, the latest decision first.
#[derive(Debug, Clone)]
pub struct PlanView {
    pub plan: selection_plan::Model,
    pub adjustments: Vec<plan_adjustment::Model>,
}

/// Plans in order of entry, a page at a time, each with its adjustments.
pub async fn list(
    db: &impl ConnectionTrait,
    cache: &Cache,
    filter: PlanFilter,
    page: PageRequest,
) -> Result<Page<PlanView>, AppError> {
    let (page, per_page) = page.resolve()?;
    let mut query = selection_plan::Entity::find();
    if let Some(project) = filter.project_id {
        if project::Entity::find_by_id(project)
            .one(db)
            .await?
            .is_none()
        {
            return Err(AppError::Validation(vec![unknown_project(
                "project_id",
                project,
            )]));
        }
        query = query.filter(selection_plan::Column::ProjectId.eq(project));
    }
    if let Some(unit) = filter.unit_id {
        let units = super::subtree(db, cache, "unit_id", unit).await?;
        let owned = Query::select()
            .column(project::Column::Id)
            .from(project::Entity)
            .and_where(project::Column::UnitId.is_in(units))
            .to_owned();
        query = query.filter(selection_plan::Column::ProjectId.in_subquery(owned));
    }
    if let Some(year) = filter.year {
        query = query.filter(selection_plan::Column::Year.eq(year));
    }
    let ordered = query.order_by_asc(selection_plan::Column::Id);
    let plans = Page::of(ordered, db, page, per_page).await?;
    let ids: Vec<i64> = plans.items.iter().map(|p| p.id).collect();
    let mut adjustments = adjustments_of(db, &ids).await?;
    Ok(plans.map(|plan| PlanView {
        adjustments: adjustments.remove(&plan.id).unwrap_or_default(),
        plan,
    }))
}

/// The adjustments of these plans, by plan, the latest decision first (then the latest
/// recorded): a decision recorded late still sorts by the day it was taken. One query for a
/// whole page of plans.
async fn adjustments_of(
    db: &impl ConnectionTrait,
    plan_ids: &[i64],
) -> Result<HashMap<i64, Vec<plan_adjustment::Model>>, AppError> {
    let mut by_plan: HashMap<i64, Vec<plan_adjustment::Model>> = HashMap::new();
    if plan_ids.is_empty() {
        return Ok(by_plan);
    }
    let rows = plan_adjustment::Entity::find()
        .filter(plan_adjustment::Column::PlanId.is_in(plan_ids.iter().copied()))
        .order_by_desc(plan_adjustment::Column::DecisionDate)
        .order_by_desc(plan_adjustment::Column::Id)
        .all(db)
        .await?;
    for row in rows {
        by_plan.entry(row.plan_id).or_default().push(row);
    }
    Ok(by_plan)
}

/// A plan's adjustments, the latest decision first.
pub async fn adjustments(
    db: &impl ConnectionTrait,
    plan_id: i64,
) -> Result<Vec<plan_adjustment::Model>, AppError> {
    find(db, plan_id).await?;
    Ok(adjustments_of(db, &[plan_id])
        .await?
        .remove(&plan_id)
        .unwrap_or_default())
}

async fn find(db: &impl ConnectionTrait, id: i64) -> Result<selection_plan::Model, AppError> {
    selection_plan::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("kế hoạch lựa chọn nhà thầu", id))
}

pub async fn get(db: &impl ConnectionTrait, id: i64) -> Result<PlanView, AppError> {
    let plan = find(db, id).await?;
    let adjustments = adjustments_of(db, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    Ok(PlanView { plan, adjustments })
}

/// How many packages each of these plans has (plans without packages are absent).
pub async fn package_counts(
    db: &impl ConnectionTrait,
    plan_ids: &[i64],
) -> Result<HashMap<i64, u64>, AppError> {
    use sea_orm::sea_query::Expr as E;
    if plan_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Option<i64>, i64)> = package::Entity::find()
        .select_only()
        .column(package::Column::PlanId)
        .column_as(E::col(package::Column::Id).count(), "n")
        .filter(package::Column::PlanId.is_in(plan_ids.iter().copied()))
        .group_by(package::Column::PlanId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(plan, n)| plan.map(|p| (p, u64::try_from(n).unwrap_or(0))))
        .collect())
}

/// A project's plans, the latest year first (a project's page lists them all: a project has
/// a plan or a few a year).
pub async fn of_project(
    db: &impl ConnectionTrait,
    project_id: i64,
) -> Result<Vec<selection_plan::Model>, AppError> {
    Ok(selection_plan::Entity::find()
        .filter(selection_plan::Column::ProjectId.eq(project_id))
        .order_by_desc(selection_plan::Column::Year)
        .order_by_desc(selection_plan::Column::Id)
        .all(db)
        .await?)
}

/// What a plan's page shows, read in one call.
pub struct PlanPage {
    pub view: PlanView,
    pub project: project::Model,
    /// The actor may change it and record its adjustments.
    pub editable: bool,
    /// Its audit trail, oldest first.
    pub history: Vec<audit_log::Model>,
    /// Its first packages in order of entry ([`PACKAGES_SHOWN`] at most; the register lists
    /// them all), and how many it has.
    pub packages: Vec<package::Model>,
    pub package_count: u64,
}

/// The packages a plan's page lists before it leaves the rest to the register.
pub const PACKAGES_SHOWN: u64 = 100;

pub async fn page(
    db: &impl ConnectionTrait,
    cache: &Cache,
    actor: &Actor,
    id: i64,
) -> Result<PlanPage, AppError> {
    let view = get(db, id).await?;
    let project = get_project(db, view.plan.project_id).await?;
    let reference = cache.reference(db, &[project.unit_id]).await?;
    // Through the plan index (idx_packages_plan), as the register's plan filter reads them.
    let of_plan = package::Entity::find().filter(package::Column::PlanId.eq(id));
    Ok(PlanPage {
        editable: actor.may_write_unit(&reference.lineage(project.unit_id)),
        history: audit::history(db, AUDIT_ENTITY, id).await?,
        package_count: of_plan.clone().count(db).await?,
        packages: of_plan
            .order_by_asc(package::Column::Id)
            .limit(PACKAGES_SHOWN)
            .all(db)
            .await?,
        view,
        project,
    })
}

fn duplicate_code_message(code: &str) -> String {
    format!("Số KHLCNT {code} đã có trong hệ thống")
}

/// Errors with `duplicate_code` when another plan than `except` has `code`.
async fn code_free(
    db: &impl ConnectionTrait,
    code: Option<&str>,
    except: Option<i64>,
) -> Result<(), AppError> {
    let Some(code) = code else { return Ok(()) };
    let taken = selection_plan::Entity::find()
        .filter(selection_plan::Column::Code.eq(code))
        .one(db)
        .await?
        .is_some_and(|other| Some(other.id) != except);
    if taken {
        Err(AppError::Conflict {
            code: "duplicate_code",
            message: duplicate_code_message(code),
        })
    } else {
        Ok(())
    }
}

/// The project a new plan goes under: it exists (a field error otherwise) and the actor may
/// write it.
async fn writable_project(
    db: &impl ConnectionTrait,
    actor: &Actor,
    project_id: i64,
) -> Result<project::Model, AppError> {
    let project = project::Entity::find_by_id(project_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::Validation(vec![unknown_project("project_id", project_id)]))?;
    require_write(db, actor, project.unit_id).await?;
    Ok(project)
}

pub async fn create<C>(
    db: &C,
    actor: &Actor,
    input: NewPlan,
) -> Result<selection_plan::Model, AppError>
where
    C: ConnectionTrait + TransactionTrait,
{
    require_writer(actor)?;
    let input = input.normalized();
    input.check(today())?;
    let txn = db::begin_write(db).await?;
    writable_project(&txn, actor, input.project_id).await?;
    code_free(&txn, input.code.as_deref(), None).await?;
    let code = input.code.clone().unwrap_or_default();
    let now = Utc::now();
    let mut active = selection_plan::ActiveModel {
        id: NotSet,
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    input.write(&mut active);
    let model = active
        .insert(&txn)
        .await
        .map_err(|e| conflict_on_unique(e, "duplicate_code", duplicate_code_message(&code)))?;
    audit::created(&txn, actor, AUDIT_ENTITY, model.id, &plan_snapshot(&model)).await?;
    txn.commit().await?;
    Ok(model)
}

/// The plan a change applies to, when the actor may write its project and it is still at the
/// version the change was made against.
async fn writable_at(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    expected_version: i32,
) -> Result<selection_plan::Model, AppError> {
    let current = find(txn, id).await?;
    let project = get_project(txn, current.project_id).await?;
    require_write(txn, actor, project.unit_id).await?;
    if current.version != expected_version {
        return Err(stale_plan(current.version));
    }
    Ok(current)
}

/// Increases the plan's version if it is still `expected_version`, with the columns of
/// `active` (unset ones unchanged): the check and the write are one statement, so two writers
/// that read the same version cannot both succeed.
async fn bump(
    txn: &impl ConnectionTrait,
    id: i64,
    expected_version: i32,
    active: selection_plan::ActiveModel,
    code: &str,
) -> Result<selection_plan::Model, AppError> {
    let result = selection_plan::Entity::update_many()
        .set(active)
        .col_expr(
            selection_plan::Column::Version,
            Expr::col(selection_plan::Column::Version).add(1),
        )
        .filter(selection_plan::Column::Id.eq(id))
        .filter(selection_plan::Column::Version.eq(expected_version))
        .exec(txn)
        .await
        .map_err(|e| conflict_on_unique(e, "duplicate_code", duplicate_code_message(code)))?;
    if result.rows_affected == 0 {
        return Err(stale_plan(expected_version));
    }
    find(txn, id).await
}

/// Applies `patch` if the plan is still at `expected_version`; the version then increases.
pub async fn update<C>(
    db: &C,
    actor: &Actor,
    id: i64,
    expected_version: i32,
    patch: PlanPatch,
) -> Result<PlanView, AppError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let txn = db::begin_write(db).await?;
    let current = writable_at(&txn, actor, id, expected_version).await?;
    let merged = NewPlan::from_model(&current).apply(patch).normalized();
    merged.check(today())?;
    code_free(&txn, merged.code.as_deref(), Some(id)).await?;
    let code = merged.code.clone().unwrap_or_default();
    let mut active = selection_plan::ActiveModel {
        updated_at: Set(Utc::now()),
        ..Default::default()
    };
    merged.write(&mut active);
    let updated = bump(&txn, id, expected_version, active, &code).await?;
    let changes = Changes::between(&plan_snapshot(&current), &plan_snapshot(&updated));
    audit::record(&txn, actor, AUDIT_ENTITY, id, AuditAction::Update, changes).await?;
    let adjustments = adjustments_of(&txn, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    txn.commit().await?;
    Ok(PlanView {
        plan: updated,
        adjustments,
    })
}

/// The adjustment recorded, and the plan it changed (at its new version).
pub struct Adjusted {
    pub adjustment: plan_adjustment::Model,
    pub plan: selection_plan::Model,
}

/// Appends an adjustment to a plan: the adjusting decision and why. The plan's version
/// increases. A plan already adjusted by the same decision number is a conflict: the record
/// cannot be corrected by deleting the second copy.
pub async fn adjust<C>(
    db: &C,
    actor: &Actor,
    plan_id: i64,
    input: NewAdjustment,
) -> Result<Adjusted, AppError>
where
    C: ConnectionTrait + TransactionTrait,
{
    require_writer(actor)?;
    let input = input.normalized();
    input.check(today())?;
    let txn = db::begin_write(db).await?;
    let current = find(&txn, plan_id).await?;
    let project = get_project(&txn, current.project_id).await?;
    require_write(&txn, actor, project.unit_id).await?;
    let duplicate = || AppError::Conflict {
        code: "duplicate_decision",
        message: format!(
            "Kế hoạch đã có điều chỉnh theo quyết định số {}",
            input.decision_no
        ),
    };
    let recorded = plan_adjustment::Entity::find()
        .filter(plan_adjustment::Column::PlanId.eq(plan_id))
        .filter(plan_adjustment::Column::DecisionNo.eq(input.decision_no.as_str()))
        .one(&txn)
        .await?;
    if recorded.is_some() {
        return Err(duplicate());
    }
    let adjustment = plan_adjustment::ActiveModel {
        id: NotSet,
        plan_id: Set(plan_id),
        decision_no: Set(input.decision_no.clone()),
        decision_date: Set(input.decision_date),
        reason: Set(input.reason.clone()),
        created_by: Set(actor.user_id),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => duplicate(),
        _ => AppError::from(e),
    })?;
    let touched = selection_plan::ActiveModel {
        updated_at: Set(Utc::now()),
        ..Default::default()
    };
    let plan = bump(&txn, plan_id, current.version, touched, "").await?;
    audit::created(
        &txn,
        actor,
        AUDIT_ADJUSTMENT,
        adjustment.id,
        &adjustment_snapshot(&adjustment),
    )
    .await?;
    txn.commit().await?;
    Ok(Adjusted { adjustment, plan })
}
