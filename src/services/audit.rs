//! The audit trail: every create, update and delete of packages, projects, selection plans and
//! their adjustments, units, target rules and users writes one row in the same transaction as
//! the change: who, when, what, and each changed field with its old and new value.

use super::actor::Actor;
use super::{Page, PageRequest};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use entity::{AuditAction, audit_log};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, NotSet,
    QueryFilter, QueryOrder,
};
use serde_json::{Map, Value, json};

/// The recorded fields of a record at one moment, in a stable order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot(Vec<(&'static str, Value)>);

impl Snapshot {
    pub fn of(fields: impl IntoIterator<Item = (&'static str, Value)>) -> Self {
        Snapshot(fields.into_iter().collect())
    }

    pub fn fields(&self) -> impl Iterator<Item = &(&'static str, Value)> {
        self.0.iter()
    }
}

/// Changed fields: `{"field": {"old": …, "new": …}}`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Changes(Map<String, Value>);

impl Changes {
    pub fn push(&mut self, field: &str, old: Value, new: Value) {
        self.0
            .insert(field.to_owned(), json!({ "old": old, "new": new }));
    }

    /// Every field that differs between two snapshots of the same record.
    pub fn between(before: &Snapshot, after: &Snapshot) -> Self {
        let mut c = Changes::default();
        for ((field, old), (_, new)) in before.0.iter().zip(&after.0) {
            if old != new {
                c.push(field, old.clone(), new.clone());
            }
        }
        c
    }

    /// A new record: every field from nothing.
    pub fn created(after: &Snapshot) -> Self {
        let mut c = Changes::default();
        for (field, new) in &after.0 {
            if !new.is_null() {
                c.push(field, Value::Null, new.clone());
            }
        }
        c
    }

    /// A removed record: every field to nothing.
    pub fn deleted(before: &Snapshot) -> Self {
        let mut c = Changes::default();
        for (field, old) in &before.0 {
            if !old.is_null() {
                c.push(field, old.clone(), Value::Null);
            }
        }
        c
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A stored `changes` column read back. Only this module writes it; a row that does not
    /// read (edited by hand in the database) shows no changes rather than failing the page.
    pub fn recorded(text: &str) -> Self {
        Changes(serde_json::from_str(text).unwrap_or_default())
    }

    /// Each changed field with its old and new value, in recorded order.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &Value, &Value)> {
        self.0
            .iter()
            .map(|(field, change)| (field.as_str(), &change["old"], &change["new"]))
    }

    pub fn into_value(self) -> Value {
        Value::Object(self.0)
    }
}

/// The audit row of a change, for writing many at once.
pub fn row(
    actor: &Actor,
    entity: &'static str,
    entity_id: i64,
    action: AuditAction,
    changes: Changes,
) -> audit_log::ActiveModel {
    audit_log::ActiveModel {
        id: NotSet,
        at: Set(Utc::now()),
        user_id: Set(actor.user_id),
        username: Set(actor.username.clone()),
        entity: Set(entity.to_owned()),
        entity_id: Set(entity_id),
        action: Set(action),
        changes: Set(Value::Object(changes.0).to_string()),
    }
}

/// One change of a record, its fields already written as JSON: an import holds thousands
/// until it writes them, and the text is a fraction of the size of the `Changes` map.
pub struct Entry {
    entity_id: i64,
    action: AuditAction,
    changes: String,
}

impl Entry {
    pub fn new(entity_id: i64, action: AuditAction, changes: Changes) -> Self {
        Entry {
            entity_id,
            action,
            // Straight into bytes (`Value`'s `Display` goes through the formatter call by
            // call); a map of JSON values always serialises.
            changes: serde_json::to_string(&changes.0).unwrap_or_default(),
        }
    }
}

/// Writes the audit rows of many changes of one kind of record (an import's thousands) in a
/// few statements, inside the changes' own transaction.
pub async fn record_many(
    db: &impl ConnectionTrait,
    actor: &Actor,
    entity: &'static str,
    entries: impl IntoIterator<Item = Entry>,
) -> Result<(), AppError> {
    let at = Utc::now();
    let rows = entries.into_iter().map(|e| {
        [
            at.into(),
            actor.user_id.into(),
            actor.username.clone().into(),
            entity.into(),
            e.entity_id.into(),
            e.action.as_str().into(),
            e.changes.into(),
        ]
    });
    crate::db::sql::insert_rows(
        db,
        "audit_log",
        "at, user_id, username, entity, entity_id, action, changes",
        rows,
    )
    .await?;
    Ok(())
}

/// Writes the audit row of a change, inside the change's own transaction.
/// The audit row of a new record: every field it was created with.
pub async fn created(
    db: &impl ConnectionTrait,
    actor: &Actor,
    entity: &'static str,
    entity_id: i64,
    fields: &Snapshot,
) -> Result<(), AppError> {
    record(
        db,
        actor,
        entity,
        entity_id,
        AuditAction::Create,
        Changes::created(fields),
    )
    .await
}

pub async fn record(
    db: &impl ConnectionTrait,
    actor: &Actor,
    entity: &'static str,
    entity_id: i64,
    action: AuditAction,
    changes: Changes,
) -> Result<(), AppError> {
    row(actor, entity, entity_id, action, changes)
        .insert(db)
        .await?;
    Ok(())
}

/// The changes of one record, oldest first.
pub async fn history(
    db: &impl ConnectionTrait,
    entity: &str,
    entity_id: i64,
) -> Result<Vec<audit_log::Model>, AppError> {
    Ok(audit_log::Entity::find()
        .filter(audit_log::Column::Entity.eq(entity))
        .filter(audit_log::Column::EntityId.eq(entity_id))
        .order_by_asc(audit_log::Column::Id)
        .all(db)
        .await?)
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub username: Option<String>,
    pub entity: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// The trail, newest first. Administrators and the finance department read it.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: AuditFilter,
    page: PageRequest,
) -> Result<Page<audit_log::Model>, AppError> {
    if !matches!(actor.role, entity::Role::Admin | entity::Role::Finance) {
        return Err(AppError::Forbidden {
            message: "Nhật ký thay đổi dành cho quản trị viên và phòng Tài chính".to_owned(),
        });
    }
    let (page, per_page) = page.resolve()?;
    let mut q = audit_log::Entity::find();
    if let Some(u) = filter.username {
        q = q.filter(audit_log::Column::Username.eq(u));
    }
    if let Some(e) = filter.entity {
        q = q.filter(audit_log::Column::Entity.eq(e));
    }
    if let Some(from) = filter.from {
        q = q.filter(audit_log::Column::At.gte(from));
    }
    if let Some(to) = filter.to {
        q = q.filter(audit_log::Column::At.lt(to));
    }
    Ok(Page::of(q.order_by_desc(audit_log::Column::Id), db, page, per_page).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_list_only_what_differs() {
        let before = Snapshot::of([
            ("name", json!("A")),
            ("online", json!(false)),
            ("code", json!(null)),
        ]);
        let after = Snapshot::of([
            ("name", json!("A")),
            ("online", json!(true)),
            ("code", json!("IB1")),
        ]);
        let c = Changes::between(&before, &after);
        assert_eq!(
            Value::Object(c.0),
            json!({"online": {"old": false, "new": true}, "code": {"old": null, "new": "IB1"}})
        );
        assert!(Changes::between(&after, &after).is_empty());
        assert_eq!(
            Value::Object(Changes::created(&before).0),
            json!({"name": {"old": null, "new": "A"}, "online": {"old": null, "new": false}})
        );
        assert_eq!(
            Value::Object(Changes::deleted(&after).0),
            json!({"name": {"old": "A", "new": null}, "online": {"old": true, "new": null}, "code": {"old": "IB1", "new": null}})
        );
    }
}
