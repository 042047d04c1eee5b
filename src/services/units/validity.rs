//! The rule that a package's unit exists on the package's dates (`domain::unit_validity`),
//! applied with the unit's name and successors: one check for single writes (API, forms,
//! re-planning) and one over units held in memory for imports and `bidtrack check-data`.

use crate::domain::unit_validity::{self, PackageDates, Validity};
use crate::error::{AppError, FieldError};
use entity::{package, unit, unit_succession};
use sea_orm::ConnectionTrait;
use std::collections::HashMap;

/// The field and code of the refusal.
pub const FIELD: &str = "unit_id";
pub const CODE: &str = "unit_not_valid";

pub fn dates_of_model(p: &package::Model) -> PackageDates {
    PackageDates {
        plan_year: p.plan_year,
        planned_start_month: p.planned_start_month,
        planned_start_quarter: p.planned_start_quarter,
        notice_date: p.notice_date,
        result_date: p.result_date,
    }
}

/// Whether a change touches what the rule reads (the unit or a date). A change that does not is
/// not refused for a package that already breaks the rule (stored before the rule, or its unit
/// ended since): it can still be corrected in other ways, and `bidtrack check-data` reports it.
pub fn touches_rule(before: &package::Model, unit_id: i64, dates: &PackageDates) -> bool {
    before.unit_id != unit_id || dates_of_model(before) != *dates
}

pub fn validity(u: &unit::Model) -> Validity {
    Validity {
        from: u.valid_from,
        to: u.valid_to,
    }
}

/// «name (code)»: how a message names a unit.
fn named(u: &unit::Model) -> String {
    format!("{} ({})", u.name, u.code)
}

/// The refusal of a single write, if its unit does not exist on its dates. An unknown unit is
/// not this rule's to report (the write's reference check says so).
pub async fn refusal(
    db: &impl ConnectionTrait,
    unit_id: i64,
    dates: &PackageDates,
) -> Result<Option<FieldError>, AppError> {
    let Some(u) = crate::db::units::find(db, unit_id).await? else {
        return Ok(None);
    };
    let Some(breach) = unit_validity::check(validity(&u), dates) else {
        return Ok(None);
    };
    let successors: Vec<String> = super::successions::links(db, u.id)
        .await?
        .successors
        .iter()
        .map(|l| named(&l.unit))
        .collect();
    Ok(Some(FieldError::new(
        FIELD,
        CODE,
        unit_validity::message_vi(&u.name, &breach, &successors),
    )))
}

/// The units and successions of the whole tree, for checking many packages at once.
pub struct Tree<'a> {
    units: HashMap<i64, &'a unit::Model>,
    successors: HashMap<i64, Vec<i64>>,
}

impl<'a> Tree<'a> {
    pub fn new(units: &'a [unit::Model], edges: &[unit_succession::Model]) -> Self {
        let mut successors: HashMap<i64, Vec<i64>> = HashMap::new();
        for e in edges {
            successors
                .entry(e.predecessor_id)
                .or_default()
                .push(e.successor_id);
        }
        Tree {
            units: units.iter().map(|u| (u.id, u)).collect(),
            successors,
        }
    }

    pub fn unit(&self, id: i64) -> Option<&'a unit::Model> {
        self.units.get(&id).copied()
    }

    /// The rule's message when the unit does not exist on the dates.
    pub fn refusal(&self, unit_id: i64, dates: &PackageDates) -> Option<String> {
        let u = self.unit(unit_id)?;
        let breach = unit_validity::check(validity(u), dates)?;
        let mut successors: Vec<&unit::Model> = self
            .successors
            .get(&unit_id)
            .into_iter()
            .flatten()
            .filter_map(|id| self.unit(*id))
            .collect();
        successors.sort_by(|a, b| a.code.cmp(&b.code));
        let names: Vec<String> = successors.into_iter().map(named).collect();
        Some(unit_validity::message_vi(&u.name, &breach, &names))
    }
}
