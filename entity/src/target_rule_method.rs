//! `target_rule_methods`: which selection methods a target rule counts, and whether a method
//! counts only for small-scale packages or only up to the rule's price ceilings.

use crate::enums::Method;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "target_rule_methods")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub target_rule_id: i64,
    pub method: Method,
    pub small_scale_only: bool,
    /// Counted only up to the rule's per-field price ceilings.
    pub within_ceilings: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::target_rule::Entity",
        from = "Column::TargetRuleId",
        to = "super::target_rule::Column::Id",
        on_delete = "Cascade"
    )]
    TargetRule,
}

impl Related<super::target_rule::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::TargetRule.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
