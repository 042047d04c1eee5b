//! `selection_plans`: contractor selection plans (kế hoạch lựa chọn nhà thầu, KHLCNT) of a
//! project, as approved: VNEPS code, year, approving decision and authority. Later changes to an
//! approved plan are dated decisions of their own (`plan_adjustments`), not edits of these.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "selection_plans")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The project the plan belongs to; fixed once the plan is recorded.
    pub project_id: i64,
    /// The plan's code on VNEPS (`PL` + yy + 8 digits; other forms accepted); unique when
    /// present, stored normalised (upper case).
    #[sea_orm(unique)]
    pub code: Option<String>,
    pub name: String,
    /// The plan's year.
    pub year: i32,
    /// The approving decision's number (e.g. `1234/QĐ-UBND`) and date.
    pub decision_no: Option<String>,
    pub decision_date: Option<Date>,
    /// Who approved it (the approving authority).
    pub approver: Option<String>,
    /// Increases with every change, adjustments included.
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::project::Entity",
        from = "Column::ProjectId",
        to = "super::project::Column::Id"
    )]
    Project,
    #[sea_orm(has_many = "super::plan_adjustment::Entity")]
    Adjustment,
}

impl Related<super::project::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Project.def()
    }
}

impl Related<super::plan_adjustment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Adjustment.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
