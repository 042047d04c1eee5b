//! `deleted_packages`: where a deleted package goes (the whole row as JSON), out of every figure.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deleted_packages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub unit_id: i64,
    #[sea_orm(column_type = "Text")]
    pub data: String,
    pub deleted_at: DateTimeUtc,
    pub deleted_by: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
