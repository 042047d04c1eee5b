//! `projects`: what tender packages are procured for (domain.md §10): an investment project
//! (dự án đầu tư, with its group) or a purchase estimate of recurrent procurement (dự toán mua
//! sắm), owned by a unit (its investor, chủ đầu tư). Its selection plans hang from it.

use crate::enums::{FundingKind, ProjectGroup, ProjectKind};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "projects")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The owner unit (the investor); who may change the project follows from it.
    pub unit_id: i64,
    /// The project's code on VNEPS (`PR` + yy + 8 digits; other forms accepted); unique when
    /// present, stored normalised (upper case).
    #[sea_orm(unique)]
    pub code: Option<String>,
    pub name: String,
    pub kind: ProjectKind,
    /// Set exactly when `kind` is an investment project (checked by the application).
    pub project_group: Option<ProjectGroup>,
    pub funding_kind: FundingKind,
    /// The source in the plan's own words ("Ngân sách quận năm 2019").
    pub funding_source: Option<String>,
    /// Total investment (tổng mức đầu tư) or purchase estimate, in whole đồng.
    pub total_vnd: Option<i64>,
    pub version: i32,
    /// Name and code folded for search (lower case, no diacritics); written by the application.
    pub search_text: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::unit::Entity",
        from = "Column::UnitId",
        to = "super::unit::Column::Id"
    )]
    Unit,
    #[sea_orm(has_many = "super::selection_plan::Entity")]
    SelectionPlan,
}

impl Related<super::unit::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Unit.def()
    }
}

impl Related<super::selection_plan::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SelectionPlan.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
