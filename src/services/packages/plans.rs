//! A package's selection plan (KHLCNT): the rule a package's plan must follow, the plans a form
//! offers, and the plans' names where a package is shown.

use crate::domain::fields::package::PackageField;
use crate::domain::fields::plan_label;
use crate::error::{AppError, FieldError};
use crate::services::accounts::{Actor, WriteScope};
use entity::{project, selection_plan, unit};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;

/// A plan as a package refers to it: enough to name it and to check the unit rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanRef {
    pub id: i64,
    pub code: Option<String>,
    pub name: String,
    pub year: i32,
    pub project_id: i64,
    /// The project's owner unit: the package's unit must be it or below it.
    pub unit_id: i64,
}

impl PlanRef {
    /// Its code and name, as a select and a page show it.
    pub fn label(&self) -> String {
        plan_label(self.code.as_deref(), &self.name)
    }

    fn of(plan: selection_plan::Model, unit_id: i64) -> Self {
        PlanRef {
            id: plan.id,
            code: plan.code,
            name: plan.name,
            year: plan.year,
            project_id: plan.project_id,
            unit_id,
        }
    }
}

/// The plans with these ids (those that exist), each with its project's unit.
pub async fn refs(db: &impl ConnectionTrait, ids: &[i64]) -> Result<Vec<PlanRef>, AppError> {
    let mut out = Vec::with_capacity(ids.len());
    // Chunks keep each statement's bound values well under either engine's limit.
    for chunk in ids.chunks(500) {
        let rows = selection_plan::Entity::find()
            .filter(selection_plan::Column::Id.is_in(chunk.iter().copied()))
            .find_also_related(project::Entity)
            .all(db)
            .await?;
        out.extend(
            rows.into_iter()
                .filter_map(|(plan, project)| project.map(|j| PlanRef::of(plan, j.unit_id))),
        );
    }
    Ok(out)
}

/// The plans with these codes (stored normalised, as the caller must give them), by code.
pub async fn by_codes(
    db: &impl ConnectionTrait,
    codes: &[String],
) -> Result<HashMap<String, PlanRef>, AppError> {
    let mut out = HashMap::new();
    for chunk in codes.chunks(500) {
        let rows = selection_plan::Entity::find()
            .filter(selection_plan::Column::Code.is_in(chunk.iter().cloned()))
            .find_also_related(project::Entity)
            .all(db)
            .await?;
        for (plan, project) in rows {
            if let (Some(code), Some(j)) = (plan.code.clone(), project) {
                out.insert(code, PlanRef::of(plan, j.unit_id));
            }
        }
    }
    Ok(out)
}

/// The plan's message when a package's unit is outside its project's unit's subtree.
pub fn outside_message(plan: &PlanRef, plan_unit: Option<&unit::Model>) -> String {
    let owner = plan_unit.map_or_else(
        || format!("đơn vị mã số {}", plan.unit_id),
        |u| format!("{} ({})", u.name, u.code),
    );
    format!(
        "Kế hoạch {} thuộc dự án của {owner}: gói thầu phải thuộc đơn vị đó hoặc một đơn vị trực thuộc",
        plan.label()
    )
}

/// Errors (a field error on `plan_id`) unless plan `plan_id` exists and the package's unit
/// `unit_id` is its project's unit or below it: a unit's packages are procured under its own
/// plans or those of a unit above it, never a sibling's.
pub async fn require_plan_of_unit(
    db: &impl ConnectionTrait,
    plan_id: i64,
    unit_id: i64,
) -> Result<(), AppError> {
    let field = PackageField::PlanId.wire();
    let Some(plan) = refs(db, &[plan_id]).await?.pop() else {
        return Err(AppError::Validation(vec![FieldError::new(
            field,
            "unknown_plan",
            format!("Không có kế hoạch lựa chọn nhà thầu với mã số {plan_id}"),
        )]));
    };
    let lineage = crate::db::units::lineage(db, unit_id).await?;
    if lineage.contains(&plan.unit_id) {
        return Ok(());
    }
    let owner = crate::db::units::find(db, plan.unit_id).await?;
    Err(AppError::Validation(vec![FieldError::new(
        field,
        "plan_of_other_unit",
        outside_message(&plan, owner.as_ref()),
    )]))
}

/// The plans a package form offers the actor: those of the projects of the units they may
/// write, the latest year first. An administrator may write every unit, and a province records
/// thousands of plans (5,391 in the generated one): they are offered the plans of `year` (the
/// form's) and the years beside it. `keep` (the plan the form shows) is offered too, even of
/// another year or of a unit above the officer's.
pub async fn choices(
    db: &impl ConnectionTrait,
    actor: &Actor,
    keep: Option<i64>,
    year: Option<i32>,
) -> Result<Vec<PlanRef>, AppError> {
    let mut wanted = Condition::all();
    if actor.is_admin() {
        if let Some(year) = year {
            wanted = wanted.add(selection_plan::Column::Year.between(year - 1, year + 1));
        }
    } else {
        let scope = WriteScope::of(db, actor).await?;
        let units: Vec<i64> = unit::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|u| u.id)
            .filter(|id| scope.allows(*id))
            .collect();
        let owned = Query::select()
            .column(project::Column::Id)
            .from(project::Entity)
            .and_where(project::Column::UnitId.is_in(units))
            .to_owned();
        wanted = wanted.add(selection_plan::Column::ProjectId.in_subquery(owned));
    }
    let mut query = selection_plan::Entity::find().find_also_related(project::Entity);
    // An empty condition is no condition: an administrator without a year sees every plan.
    if !wanted.is_empty() {
        query = query.filter(match keep {
            Some(id) => Condition::any()
                .add(wanted)
                .add(selection_plan::Column::Id.eq(id)),
            None => wanted,
        });
    }
    let rows = query
        .order_by_desc(selection_plan::Column::Year)
        .order_by_asc(selection_plan::Column::Code)
        .order_by_asc(selection_plan::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(plan, project)| project.map(|j| PlanRef::of(plan, j.unit_id)))
        .collect())
}
