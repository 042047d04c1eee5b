//! `target_rules`: the targets for online selection (domain.md §5), as dated data. A rule with a
//! `unit_id` applies to that unit's subtree; the most specific rule for the year wins.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "target_rules")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    pub legal_basis: String,
    /// `None`: the whole system.
    pub unit_id: Option<i64>,
    pub year_from: i32,
    /// `None`: open-ended.
    pub year_to: Option<i32>,
    pub min_count_percent: i32,
    pub min_value_percent: Option<i32>,
    /// Only packages with domestic bidding count.
    pub domestic_only: bool,
    /// Two-stage procedures are out of scope.
    pub exclude_two_stage: bool,
    /// Packages with a recorded legal exemption (online_exempt_reason) are out of scope.
    pub exclude_exempt: bool,
    /// The target this rule stands in for within its unit's subtree (`None`: its own code). The
    /// targets in force are grouped by it; the most specific rule of each group applies.
    pub replaces_code: Option<String>,
    /// Where the rule comes from and how sure that source is.
    pub source_note: String,
    /// Per-field price ceilings for the methods counted "within the ceilings"; `None`: the
    /// field is not counted by those methods.
    pub ceiling_goods_vnd: Option<i64>,
    pub ceiling_works_vnd: Option<i64>,
    pub ceiling_consulting_vnd: Option<i64>,
    pub ceiling_non_consulting_vnd: Option<i64>,
    pub ceiling_mixed_vnd: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::target_rule_method::Entity")]
    Method,
}

impl Related<super::target_rule_method::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Method.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
