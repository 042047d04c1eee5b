//! `audit_log`: who changed what and when, with the changed fields' old and new values (JSON).

use crate::enums::AuditAction;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    pub user_id: Option<i64>,
    pub username: String,
    /// `package`, `project`, `selection_plan`, `plan_adjustment`, `unit`, `target_rule` or `user`.
    pub entity: String,
    pub entity_id: i64,
    pub action: AuditAction,
    /// `{"field": {"old": …, "new": …}}`.
    #[sea_orm(column_type = "Text")]
    pub changes: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
