//! Unit lookups and the tree walks (lineage upwards, children) the services need.

use super::sql::Sql;
use entity::unit;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

/// Deeper than any real administrative tree; stops a walk if a cycle ever got into the data.
const MAX_DEPTH: i64 = 64;

pub async fn find(db: &impl ConnectionTrait, id: i64) -> Result<Option<unit::Model>, DbErr> {
    unit::Entity::find_by_id(id).one(db).await
}

pub async fn find_by_code(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<unit::Model>, DbErr> {
    unit::Entity::find()
        .filter(unit::Column::Code.eq(code))
        .one(db)
        .await
}

pub async fn children(db: &impl ConnectionTrait, id: i64) -> Result<Vec<unit::Model>, DbErr> {
    unit::Entity::find()
        .filter(unit::Column::ParentId.eq(id))
        .order_by_asc(unit::Column::Code)
        .all(db)
        .await
}

/// The unit itself, then its parent, up to the root.
pub async fn lineage(db: &impl ConnectionTrait, id: i64) -> Result<Vec<i64>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(
        "WITH RECURSIVE up(id, parent_id, depth) AS (\
           SELECT id, parent_id, 0 FROM units WHERE id = ",
    )
    .bind(id)
    .push(
        " UNION ALL \
           SELECT u.id, u.parent_id, up.depth + 1 FROM units u JOIN up ON u.id = up.parent_id \
           WHERE up.depth < ",
    )
    .bind(MAX_DEPTH)
    .push(") SELECT id FROM up ORDER BY depth");
    let rows = db.query_all_raw(sql.build()).await?;
    rows.iter().map(|r| r.try_get_by_index::<i64>(0)).collect()
}
