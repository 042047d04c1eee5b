//! `package_events`: the life of a package — its status moves and its re-planning — with who
//! moved it, when, from what, to what and why. Written once, never changed.

use crate::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "package_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub package_id: i64,
    pub kind: PackageEventKind,
    pub from_status: Option<PackageStatus>,
    pub to_status: Option<PackageStatus>,
    pub from_year: Option<i32>,
    pub from_month: Option<i16>,
    pub from_quarter: Option<i16>,
    pub to_year: Option<i32>,
    pub to_month: Option<i16>,
    pub to_quarter: Option<i16>,
    pub reason: Option<String>,
    /// The decision behind the event (a plan adjustment's, an award's, a cancellation's).
    pub decision_no: Option<String>,
    pub decision_date: Option<Date>,
    /// Who; none once the account is deleted, or for an import run from the command line.
    pub user_id: Option<i64>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::package::Entity",
        from = "Column::PackageId",
        to = "super::package::Column::Id"
    )]
    Package,
}

impl Related<super::package::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Package.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
