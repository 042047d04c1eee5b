//! Successions: which units took over an ended unit, how (merge, split, transfer, rename) and from
//! which day. Recorded and removed by administrators, audited like unit writes; read in both
//! directions for a unit's page and its API answer. [`record_succession`] works inside the
//! caller's transaction, so the demo and a unit import record successions with their units.

use crate::db;
use crate::domain::text::{Lines, check_plain};
use crate::domain::unit_validity::{Validity, day_vi};
use crate::error::{AppError, FieldError};
use crate::services::accounts::Actor;
use crate::services::audit::{self, Changes, Snapshot};
use crate::services::{clean, conflict_on_unique, unknown_unit};
use chrono::{NaiveDate, Utc};
use entity::{AuditAction, SuccessionKind, unit, unit_succession};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    NotSet, QueryFilter, QueryOrder, TransactionSession, TransactionTrait,
};
use std::collections::{HashMap, HashSet};

/// What the audit trail calls successions.
pub const AUDIT_ENTITY: &str = "unit_succession";

/// A succession as entered.
#[derive(Debug, Clone)]
pub struct NewSuccession {
    pub predecessor_id: i64,
    pub successor_id: i64,
    pub kind: SuccessionKind,
    pub effective_date: NaiveDate,
    /// The decision or resolution that made the change.
    pub decision: Option<String>,
}

/// One succession seen from one of its units: the unit at the other end.
#[derive(Debug, Clone)]
pub struct Link {
    pub id: i64,
    pub unit: unit::Model,
    pub kind: SuccessionKind,
    pub effective_date: NaiveDate,
    pub decision: Option<String>,
}

/// A unit's successions in both directions, each by effective date then unit code.
#[derive(Debug, Clone, Default)]
pub struct Links {
    /// The units it took over from.
    pub predecessors: Vec<Link>,
    /// The units that took over from it.
    pub successors: Vec<Link>,
}

fn snapshot(s: &unit_succession::Model) -> Snapshot {
    use serde_json::json;
    Snapshot::of([
        ("predecessor_id", json!(s.predecessor_id)),
        ("successor_id", json!(s.successor_id)),
        ("kind", json!(s.kind)),
        ("effective_date", json!(s.effective_date)),
        ("decision", json!(s.decision)),
    ])
}

/// Records a succession (administrators only) in its own transaction.
pub async fn record<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    input: NewSuccession,
) -> Result<unit_succession::Model, AppError> {
    actor.require_admin()?;
    let txn = db::begin_write(db).await?;
    let model = record_succession(&txn, actor, input).await?;
    txn.commit().await?;
    Ok(model)
}

/// Records a succession inside the caller's transaction (which must be a write transaction,
/// `db::begin_write`, so cached unit data is refreshed): every check, the row and its audit row.
/// The predecessor must have ended the day before `effective_date`, the successor exist on that
/// day; no unit succeeds itself, directly or through others; a pair is recorded once; a merge,
/// rename or transfer gives its predecessor one successor, and a rename or transfer gives its
/// successor one predecessor (a split gives several successors, each recorded as `split`).
pub async fn record_succession(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    input: NewSuccession,
) -> Result<unit_succession::Model, AppError> {
    actor.require_admin()?;
    let decision = clean(input.decision);
    let mut errors = Vec::new();
    if let Some(d) = &decision {
        if d.chars().count() > 300 {
            errors.push(FieldError::new(
                "decision",
                "length",
                "Quyết định, nghị quyết tối đa 300 ký tự",
            ));
        } else if let Err(problem) = check_plain(d, Lines::One) {
            errors.push(FieldError::new(
                "decision",
                problem.code(),
                problem.message_vi("Quyết định, nghị quyết"),
            ));
        }
    }
    let predecessor = db::units::find(txn, input.predecessor_id)
        .await?
        .ok_or_else(|| AppError::not_found("đơn vị", input.predecessor_id))?;
    let successor = db::units::find(txn, input.successor_id).await?;
    let Some(successor) = successor else {
        errors.push(unknown_unit("successor_id", input.successor_id));
        return Err(AppError::Validation(errors));
    };
    if successor.id == predecessor.id {
        errors.push(FieldError::new(
            "successor_id",
            "same_unit",
            "Đơn vị không thể kế thừa chính nó",
        ));
        return Err(AppError::Validation(errors));
    }
    match predecessor.valid_to {
        None => errors.push(FieldError::new(
            "effective_date",
            "predecessor_not_ended",
            format!(
                "{} chưa có ngày hết hiệu lực: ghi ngày hết hiệu lực của đơn vị trước, rồi ghi đơn vị kế thừa",
                predecessor.name
            ),
        )),
        Some(to) => {
            let expected = to.succ_opt().unwrap_or(to);
            if input.effective_date != expected {
                errors.push(FieldError::new(
                    "effective_date",
                    "effective_date_mismatch",
                    format!(
                        "Ngày kế thừa phải là {}, ngày sau ngày hết hiệu lực của {} ({})",
                        day_vi(expected),
                        predecessor.name,
                        day_vi(to)
                    ),
                ));
            }
        }
    }
    let successor_validity = Validity {
        from: successor.valid_from,
        to: successor.valid_to,
    };
    if !successor_validity.contains(input.effective_date) {
        errors.push(FieldError::new(
            "successor_id",
            "successor_not_valid",
            format!(
                "{} không có hiệu lực vào ngày kế thừa {}{}",
                successor.name,
                day_vi(input.effective_date),
                validity_vi(&successor)
            ),
        ));
    }

    let edges = unit_succession::Entity::find().all(txn).await?;
    if edges
        .iter()
        .any(|e| e.predecessor_id == predecessor.id && e.successor_id == successor.id)
    {
        return Err(AppError::Conflict {
            code: "duplicate_succession",
            message: format!("Đã ghi {} kế thừa {}", successor.name, predecessor.name),
        });
    }
    if reaches(&edges, successor.id, predecessor.id) {
        errors.push(FieldError::new(
            "successor_id",
            "cycle",
            format!(
                "{} là đơn vị tiền nhiệm (trực tiếp hoặc qua đơn vị khác) của {}: không thể kế thừa ngược lại",
                successor.name, predecessor.name
            ),
        ));
    }
    if let Some(message) = kind_conflict(&edges, &predecessor, &successor, input.kind) {
        errors.push(FieldError::new("kind", "kind_conflict", message));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let model = unit_succession::ActiveModel {
        id: NotSet,
        predecessor_id: Set(predecessor.id),
        successor_id: Set(successor.id),
        kind: Set(input.kind),
        effective_date: Set(input.effective_date),
        decision: Set(decision),
        created_by: Set(actor.user_id),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await
    .map_err(|e| {
        conflict_on_unique(
            e,
            "duplicate_succession",
            format!("Đã ghi {} kế thừa {}", successor.name, predecessor.name),
        )
    })?;
    audit::created(txn, actor, AUDIT_ENTITY, model.id, &snapshot(&model)).await?;
    Ok(model)
}

/// « (hiệu lực từ … đến …)» for a message about a unit's dates.
fn validity_vi(u: &unit::Model) -> String {
    match (u.valid_from, u.valid_to) {
        (None, None) => String::new(),
        (Some(f), None) => format!(" (hiệu lực từ {})", day_vi(f)),
        (None, Some(t)) => format!(" (hiệu lực đến {})", day_vi(t)),
        (Some(f), Some(t)) => format!(" (hiệu lực {} – {})", day_vi(f), day_vi(t)),
    }
}

/// Whether `to` is `from` or one of its successors, however far down the chain.
fn reaches(edges: &[unit_succession::Model], from: i64, to: i64) -> bool {
    let mut seen = HashSet::from([from]);
    let mut frontier = vec![from];
    while let Some(at) = frontier.pop() {
        if at == to {
            return true;
        }
        for e in edges.iter().filter(|e| e.predecessor_id == at) {
            if seen.insert(e.successor_id) {
                frontier.push(e.successor_id);
            }
        }
    }
    false
}

/// Why `kind` does not fit the successions already recorded for these units, if it does not.
fn kind_conflict(
    edges: &[unit_succession::Model],
    predecessor: &unit::Model,
    successor: &unit::Model,
    kind: SuccessionKind,
) -> Option<String> {
    use SuccessionKind::*;
    let outgoing: Vec<&unit_succession::Model> = edges
        .iter()
        .filter(|e| e.predecessor_id == predecessor.id)
        .collect();
    let incoming: Vec<&unit_succession::Model> = edges
        .iter()
        .filter(|e| e.successor_id == successor.id)
        .collect();
    match kind {
        Merge | Rename | Transfer if !outgoing.is_empty() => Some(format!(
            "{} đã có đơn vị kế thừa: {} chỉ có một đơn vị kế thừa; đơn vị được chia cho nhiều đơn vị thì chọn «{}» cho từng đơn vị kế thừa",
            predecessor.name,
            kind.label_vi(),
            Split.label_vi()
        )),
        Split if outgoing.iter().any(|e| e.kind != Split) => Some(format!(
            "{} đã được ghi {} vào đơn vị khác: không thể đồng thời chia tách",
            predecessor.name,
            outgoing
                .iter()
                .find(|e| e.kind != Split)
                .map_or("", |e| e.kind.label_vi())
                .to_lowercase()
        )),
        Rename | Transfer if !incoming.is_empty() => Some(format!(
            "{} đã kế thừa đơn vị khác: {} chỉ có một đơn vị tiền nhiệm",
            successor.name,
            kind.label_vi()
        )),
        _ if incoming.iter().any(|e| matches!(e.kind, Rename | Transfer)) => Some(format!(
            "{} là đơn vị đổi tên hoặc điều chuyển từ một đơn vị khác: không thể kế thừa thêm đơn vị",
            successor.name
        )),
        _ => None,
    }
}

/// Removes a succession recorded by mistake (administrators only). `unit_id` is the unit whose
/// page or URL it was reached from: one of its two ends.
pub async fn remove<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    unit_id: i64,
    succession_id: i64,
) -> Result<unit_succession::Model, AppError> {
    actor.require_admin()?;
    let txn = db::begin_write(db).await?;
    let found = unit_succession::Entity::find_by_id(succession_id)
        .one(&txn)
        .await?
        .filter(|s| s.predecessor_id == unit_id || s.successor_id == unit_id)
        .ok_or_else(|| AppError::not_found("quan hệ kế thừa", succession_id))?;
    unit_succession::Entity::delete_by_id(found.id)
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        actor,
        AUDIT_ENTITY,
        found.id,
        AuditAction::Delete,
        Changes::deleted(&snapshot(&found)),
    )
    .await?;
    txn.commit().await?;
    Ok(found)
}

/// The successions of each unit in `ids`, both directions, with the unit at the other end.
pub async fn links_of(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<HashMap<i64, Links>, AppError> {
    let mut out: HashMap<i64, Links> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let mut rows = Vec::new();
    // Chunks keep the IN lists within every engine's bound on parameters.
    for chunk in ids.chunks(400) {
        rows.extend(
            unit_succession::Entity::find()
                .filter(
                    Condition::any()
                        .add(unit_succession::Column::PredecessorId.is_in(chunk.to_vec()))
                        .add(unit_succession::Column::SuccessorId.is_in(chunk.to_vec())),
                )
                .order_by_asc(unit_succession::Column::EffectiveDate)
                .order_by_asc(unit_succession::Column::Id)
                .all(db)
                .await?,
        );
    }
    rows.sort_by_key(|r| r.id);
    rows.dedup_by_key(|r| r.id);
    let mut other: Vec<i64> = rows
        .iter()
        .flat_map(|r| [r.predecessor_id, r.successor_id])
        .collect();
    other.sort_unstable();
    other.dedup();
    let mut units: HashMap<i64, unit::Model> = HashMap::new();
    for chunk in other.chunks(400) {
        for u in unit::Entity::find()
            .filter(unit::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            units.insert(u.id, u);
        }
    }
    let wanted: HashSet<i64> = ids.iter().copied().collect();
    let link = |r: &unit_succession::Model, at: i64| {
        units.get(&at).map(|u| Link {
            id: r.id,
            unit: u.clone(),
            kind: r.kind,
            effective_date: r.effective_date,
            decision: r.decision.clone(),
        })
    };
    for r in &rows {
        if wanted.contains(&r.successor_id)
            && let Some(l) = link(r, r.predecessor_id)
        {
            out.entry(r.successor_id).or_default().predecessors.push(l);
        }
        if wanted.contains(&r.predecessor_id)
            && let Some(l) = link(r, r.successor_id)
        {
            out.entry(r.predecessor_id).or_default().successors.push(l);
        }
    }
    for links in out.values_mut() {
        for list in [&mut links.predecessors, &mut links.successors] {
            list.sort_by(|a, b| {
                (a.effective_date, &a.unit.code).cmp(&(b.effective_date, &b.unit.code))
            });
        }
    }
    Ok(out)
}

/// One unit's successions, both directions.
pub async fn links(db: &impl ConnectionTrait, id: i64) -> Result<Links, AppError> {
    Ok(links_of(db, &[id]).await?.remove(&id).unwrap_or_default())
}

/// Every succession, as (predecessor, successor) ids: small (one row per changed unit), read
/// whole by checks that walk the graph or name many units' successors.
pub async fn all_pairs(db: &impl ConnectionTrait) -> Result<Vec<unit_succession::Model>, AppError> {
    Ok(unit_succession::Entity::find()
        .order_by_asc(unit_succession::Column::PredecessorId)
        .order_by_asc(unit_succession::Column::Id)
        .all(db)
        .await?)
}

/// Successions whose dates disagree with their units': the predecessor has no end or did not
/// end the day before, or the successor does not exist on the effective date. Each with its
/// message; for `bidtrack check-data`.
pub fn inconsistent(
    edges: &[unit_succession::Model],
    units: &HashMap<i64, &unit::Model>,
) -> Vec<(unit_succession::Model, String)> {
    let mut out = Vec::new();
    for e in edges {
        let (Some(p), Some(s)) = (units.get(&e.predecessor_id), units.get(&e.successor_id)) else {
            continue;
        };
        let mut problems = Vec::new();
        match p.valid_to {
            None => problems.push(format!("{} chưa có ngày hết hiệu lực", p.name)),
            Some(to) if to.succ_opt() != Some(e.effective_date) => problems.push(format!(
                "ngày kế thừa {} không phải ngày sau ngày hết hiệu lực của {} ({})",
                day_vi(e.effective_date),
                p.name,
                day_vi(to)
            )),
            Some(_) => {}
        }
        let validity = Validity {
            from: s.valid_from,
            to: s.valid_to,
        };
        if !validity.contains(e.effective_date) {
            problems.push(format!(
                "{} không có hiệu lực vào ngày kế thừa {}{}",
                s.name,
                day_vi(e.effective_date),
                validity_vi(s)
            ));
        }
        if !problems.is_empty() {
            out.push((e.clone(), problems.join("; ")));
        }
    }
    out
}
