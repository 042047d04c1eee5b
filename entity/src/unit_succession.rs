//! `unit_successions`: the units that took over an ended unit, how and from which day. A unit's
//! structure never changes in place: a merged, split, moved or renamed unit ends and its
//! successors are units of their own, so the packages of each year stay with the units that
//! planned them.

use crate::enums::SuccessionKind;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "unit_successions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The unit that ended.
    pub predecessor_id: i64,
    /// A unit that took over (part of) it.
    pub successor_id: i64,
    pub kind: SuccessionKind,
    /// The first day the successor acts in the predecessor's place (the day after the
    /// predecessor's `valid_to`).
    pub effective_date: Date,
    /// The decision or resolution that made the change (e.g. "Nghị quyết 1656/NQ-UBTVQH15").
    pub decision: Option<String>,
    /// Who recorded it; `None` for the system (command line, demo), or a user since removed.
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::unit::Entity",
        from = "Column::PredecessorId",
        to = "super::unit::Column::Id"
    )]
    Predecessor,
    #[sea_orm(
        belongs_to = "super::unit::Entity",
        from = "Column::SuccessorId",
        to = "super::unit::Column::Id"
    )]
    Successor,
}

impl ActiveModelBehavior for ActiveModel {}
