//! Packages: the command types every interface fills (create and patch), their shape checks
//! (validator) and domain rules, the filtered list, optimistic locking on change and delete, and
//! the derived facts shown with each package (regime, small-scale, scope under its target,
//! warnings).

mod command;
mod derive;
mod fields;
mod life;
mod list;
mod page;
mod plans;

use super::accounts::Actor;
use super::audit::{self, Changes};
use super::cache::Cache;
use super::conflict_on_unique;
use super::units::validity;
use crate::db;
use crate::error::AppError;
use chrono::Utc;
pub use command::{NewPackage, PackagePatch};
pub use derive::{Derived, PackageView, derive, derive_under, describe, draft_of, facts};
use derive::{describe_one, view};
use entity::{AuditAction, package};
pub use fields::snapshot;
pub(crate) use life::{
    IMPORT_REPLAN_REASON, planned_of, record as record_events, replan_event, status_event,
};
pub use life::{Replan, Transition, events, replan, transition};
pub use list::{Export, PackageFilter, PackageSort, changes, export, list};
pub use page::{PackagePage, page};
pub use plans::{
    PlanRef, by_codes as plans_by_codes, choices as plan_choices,
    outside_message as plan_outside_message, refs as plan_refs,
};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, NotSet, QueryFilter,
    TransactionSession, TransactionTrait,
};
use validator::Validate;

pub async fn get(
    db: &impl ConnectionTrait,
    cache: &Cache,
    id: i64,
) -> Result<PackageView, AppError> {
    let p = db::packages::find(db, id)
        .await?
        .ok_or_else(|| AppError::not_found("gói thầu", id))?;
    describe_one(db, cache, p).await
}

fn duplicate_code(code: Option<&str>) -> String {
    format!(
        "Số thông báo mời thầu {} đã có trong hệ thống",
        code.unwrap_or_default()
    )
}

pub async fn create<C>(db: &C, actor: &Actor, input: NewPackage) -> Result<PackageView, AppError>
where
    C: ConnectionTrait + TransactionTrait,
{
    if !actor.writes_packages() {
        actor.require_package_write(db, input.unit_id).await?;
    }
    let input = input.normalized();
    input.validate()?;
    let txn = crate::db::begin_write(db).await?;
    let regimes = db::reference::regimes(&txn).await?;
    let mut refused = input.move_errors(None);
    // Said with the other messages, but only of a unit the actor may write: a unit elsewhere
    // is refused as such below, whatever its dates.
    if may_write(&txn, actor, input.unit_id).await? {
        refused.extend(validity::refusal(&txn, input.unit_id, &input.unit_dates()).await?);
    }
    checked(input.check(&txn, &regimes).await, refused)?;
    actor.require_package_write(&txn, input.unit_id).await?;
    if let Some(code) = &input.code
        && db::packages::find_by_code(&txn, code).await?.is_some()
    {
        return Err(AppError::Conflict {
            code: "duplicate_code",
            message: duplicate_code(Some(code)),
        });
    }
    let code = input.code.clone();
    let entered = input.clone();
    let now = Utc::now();
    let mut active = package::ActiveModel {
        id: NotSet,
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    input.write(&mut active);
    // The check above gives the friendly message; the unique index still decides a race.
    let model = sea_orm::ActiveModelTrait::insert(active, &txn)
        .await
        .map_err(|e| conflict_on_unique(e, "duplicate_code", duplicate_code(code.as_deref())))?;
    audit::created(&txn, actor, AUDIT_ENTITY, model.id, &snapshot(&model)).await?;
    life::record(
        &txn,
        vec![life::status_event(model.id, actor, None, &entered)],
    )
    .await?;
    let view = view(&txn, model).await?;
    txn.commit().await?;
    Ok(view)
}

/// Applies `patch` if the package is still at `expected_version`; the version then increases.
/// A change of status is a move of the package's life (`domain::lifecycle`) and is recorded as
/// an event; a change of its planned start is refused (it is `replan`'s).
pub async fn update<C>(
    db: &C,
    actor: &Actor,
    id: i64,
    expected_version: i32,
    patch: PackagePatch,
) -> Result<PackageView, AppError>
where
    C: ConnectionTrait + TransactionTrait,
{
    update_with(db, actor, id, expected_version, patch, Intent::Edit).await
}

/// Why a package is being changed: what the change may touch and what it must do.
enum Intent<'a> {
    /// An edit: the planned start stays (re-planning is its own action).
    Edit,
    /// A move of its life: the status must change.
    Transition,
    /// Another planned start, with its reason.
    Replan(&'a Replan),
}

async fn update_with<C>(
    db: &C,
    actor: &Actor,
    id: i64,
    expected_version: i32,
    patch: PackagePatch,
    intent: Intent<'_>,
) -> Result<PackageView, AppError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let txn = crate::db::begin_write(db).await?;
    let current = writable_at(&txn, actor, id, expected_version).await?;
    let merged = NewPackage::from_model(&current).apply(patch).normalized();
    match intent {
        Intent::Edit => life::replanning_by_edit(&current, &merged)?,
        Intent::Transition => life::must_move(&current, &merged)?,
        Intent::Replan(_) => {}
    }
    let regimes = db::reference::regimes(&txn).await?;
    let mut refused = merged.move_errors(Some(current.status));
    let dates = merged.unit_dates();
    if validity::touches_rule(&current, merged.unit_id, &dates)
        && (merged.unit_id == current.unit_id || may_write(&txn, actor, merged.unit_id).await?)
    {
        refused.extend(validity::refusal(&txn, merged.unit_id, &dates).await?);
    }
    checked(merged.check(&txn, &regimes).await, refused)?;
    if merged.unit_id != current.unit_id {
        // Moving a package needs the right to write at both ends.
        actor.require_package_write(&txn, merged.unit_id).await?;
    }
    if let Some(code) = &merged.code
        && db::packages::find_by_code(&txn, code)
            .await?
            .is_some_and(|other| other.id != id)
    {
        return Err(AppError::Conflict {
            code: "duplicate_code",
            message: duplicate_code(Some(code)),
        });
    }
    let code = merged.code.clone();
    let mut events = Vec::new();
    if merged.status != current.status {
        events.push(life::status_event(id, actor, Some(current.status), &merged));
    }
    if let Intent::Replan(r) = intent {
        events.push(life::replan_event(
            id,
            actor,
            life::planned_of(&current),
            &merged,
            r,
        ));
    }
    let mut active = package::ActiveModel {
        updated_at: Set(Utc::now()),
        ..Default::default()
    };
    merged.write(&mut active);
    // The version in the WHERE clause makes the check and the write one step, so two writers
    // that read the same version cannot both succeed.
    let result = package::Entity::update_many()
        .set(active)
        .col_expr(
            package::Column::Version,
            Expr::col(package::Column::Version).add(1),
        )
        .filter(package::Column::Id.eq(id))
        .filter(package::Column::Version.eq(expected_version))
        .exec(&txn)
        .await
        .map_err(|e| conflict_on_unique(e, "duplicate_code", duplicate_code(code.as_deref())))?;
    if result.rows_affected == 0 {
        return Err(stale(expected_version));
    }
    let updated = db::packages::find(&txn, id)
        .await?
        .ok_or_else(|| AppError::not_found("gói thầu", id))?;
    let changes = Changes::between(&snapshot(&current), &snapshot(&updated));
    audit::record(&txn, actor, AUDIT_ENTITY, id, AuditAction::Update, changes).await?;
    life::record(&txn, events).await?;
    let view = view(&txn, updated).await?;
    txn.commit().await?;
    Ok(view)
}

/// Deletes the package if it is still at `expected_version`: it moves to `deleted_packages`
/// (out of every list and figure, kept whole) and the audit trail records every field.
pub async fn delete<C>(
    db: &C,
    actor: &Actor,
    id: i64,
    expected_version: i32,
) -> Result<(), AppError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let txn = crate::db::begin_write(db).await?;
    let current = writable_at(&txn, actor, id, expected_version).await?;
    let before = snapshot(&current);
    let mut data = serde_json::Map::new();
    data.insert("id".to_owned(), serde_json::json!(current.id));
    for (field, value) in before.fields() {
        data.insert((*field).to_owned(), value.clone());
    }
    data.insert("version".to_owned(), serde_json::json!(current.version));
    data.insert(
        "created_at".to_owned(),
        serde_json::json!(current.created_at),
    );
    data.insert(
        "updated_at".to_owned(),
        serde_json::json!(current.updated_at),
    );
    sea_orm::ActiveModelTrait::insert(
        entity::deleted_package::ActiveModel {
            id: Set(current.id),
            unit_id: Set(current.unit_id),
            data: Set(serde_json::Value::Object(data).to_string()),
            deleted_at: Set(Utc::now()),
            deleted_by: Set(actor.user_id),
        },
        &txn,
    )
    .await?;
    let result = package::Entity::delete_many()
        .filter(package::Column::Id.eq(id))
        .filter(package::Column::Version.eq(expected_version))
        .exec(&txn)
        .await?;
    if result.rows_affected == 0 {
        return Err(stale(expected_version));
    }
    audit::record(
        &txn,
        actor,
        AUDIT_ENTITY,
        id,
        AuditAction::Delete,
        Changes::deleted(&before),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The rules' verdict with what the status move lacks and the unit's validity, all said at once
/// (one answer names everything the officer must still fill in).
fn checked<T>(
    rules: Result<T, AppError>,
    refused: Vec<crate::error::FieldError>,
) -> Result<T, AppError> {
    match rules {
        Err(AppError::Validation(mut errors)) => {
            let more: Vec<_> = refused
                .into_iter()
                .filter(|r| !errors.iter().any(|e| e.field == r.field))
                .collect();
            errors.extend(more);
            Err(AppError::Validation(errors))
        }
        Ok(_) if !refused.is_empty() => Err(AppError::Validation(refused)),
        other => other,
    }
}

/// Whether `actor` may write the packages of `unit_id`; a failed query is an error, not a no.
async fn may_write(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    unit_id: i64,
) -> Result<bool, AppError> {
    match actor.require_package_write(txn, unit_id).await {
        Ok(()) => Ok(true),
        Err(AppError::Forbidden { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// What the audit trail calls packages.
pub const AUDIT_ENTITY: &str = "package";

/// The package a change or a deletion applies to, when the actor may write it and it is still
/// at the version the change was made against.
async fn writable_at(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    expected_version: i32,
) -> Result<package::Model, AppError> {
    let current = db::packages::find(txn, id)
        .await?
        .ok_or_else(|| AppError::not_found("gói thầu", id))?;
    actor.require_package_write(txn, current.unit_id).await?;
    if current.version != expected_version {
        return Err(stale(current.version));
    }
    Ok(current)
}

fn stale(current: i32) -> AppError {
    AppError::PreconditionFailed {
        message: format!(
            "Gói thầu đã được người khác sửa (phiên bản hiện tại: {current}); hãy tải lại rồi sửa tiếp"
        ),
    }
}
