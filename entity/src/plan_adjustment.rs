//! `plan_adjustments`: the dated decisions that adjust an approved selection plan (điều chỉnh
//! KHLCNT). Append-only: the application inserts them and never changes or removes one, as a
//! decision once taken stays in the record.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "plan_adjustments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub plan_id: i64,
    /// The adjusting decision's number; one plan is not adjusted twice by the same decision.
    pub decision_no: String,
    pub decision_date: Date,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    /// Who recorded it; `None` for the system (command line, demo), or a user since removed.
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::selection_plan::Entity",
        from = "Column::PlanId",
        to = "super::selection_plan::Column::Id"
    )]
    Plan,
}

impl Related<super::selection_plan::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Plan.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
