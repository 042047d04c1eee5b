//! What a unit's history is read from: the recorded successions (`unit_successions`), as edges
//! for `domain::history`.

use crate::domain::history::Edge;
use entity::unit_succession;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, QueryOrder};

/// Every succession recorded. A country's whole reorganisation is a few tens of thousands of
/// rows of two ids each: read at once, walked in memory (`domain::history::comparable`).
pub async fn edges(db: &impl ConnectionTrait) -> Result<Vec<Edge>, DbErr> {
    Ok(unit_succession::Entity::find()
        .order_by_asc(unit_succession::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|s| Edge {
            predecessor: s.predecessor_id,
            successor: s.successor_id,
        })
        .collect())
}

/// The units of `ids`, by id (unknown ids are left out).
pub async fn units_by_id(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, entity::unit::Model>, DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter};
    if ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(entity::unit::Entity::find()
        .filter(entity::unit::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect())
}
