//! `regimes`: the legal regimes with their dated thresholds (domain.md §4). Data, editable by an
//! administrator; a package's regime follows from its planned selection start.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "regimes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    pub legal_basis: String,
    pub valid_from: Date,
    pub valid_to: Option<Date>,
    /// Largest package price that is small-scale (quy mô nhỏ) per field; `None`: never small-scale.
    pub small_scale_goods_max_vnd: Option<i64>,
    pub small_scale_works_max_vnd: Option<i64>,
    pub small_scale_consulting_max_vnd: Option<i64>,
    pub small_scale_non_consulting_max_vnd: Option<i64>,
    pub small_scale_mixed_max_vnd: Option<i64>,
    /// Largest package price for which competitive offers may be used.
    pub competitive_offers_max_vnd: i64,
    /// Whether a mixed package may use competitive offers under this regime.
    pub competitive_offers_mixed_allowed: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
