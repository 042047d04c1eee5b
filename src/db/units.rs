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

/// Every unit, by code: the pickers of the pages.
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<unit::Model>, DbErr> {
    unit::Entity::find()
        .order_by_asc(unit::Column::Code)
        .all(db)
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

/// The lineage of each unit in `ids` (itself first, up to the root), in one query.
pub async fn lineages(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, Vec<i64>>, DbErr> {
    let mut out: std::collections::HashMap<i64, Vec<i64>> = std::collections::HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(
        "WITH RECURSIVE up(start, id, parent_id, depth) AS (\
           SELECT id, id, parent_id, 0 FROM units WHERE id IN ",
    )
    .bind_list(ids.iter().copied())
    .push(
        " UNION ALL \
           SELECT up.start, u.id, u.parent_id, up.depth + 1 FROM units u JOIN up ON u.id = up.parent_id \
           WHERE up.depth < ",
    )
    .bind(MAX_DEPTH)
    .push(") SELECT start, id FROM up ORDER BY start, depth");
    for row in db.query_all_raw(sql.build()).await? {
        let start: i64 = row.try_get_by_index(0)?;
        out.entry(start).or_default().push(row.try_get_by_index(1)?);
    }
    Ok(out)
}

/// Writes `WITH RECURSIVE subtree(id) AS (…)`: the unit and everything below it. The statement
/// continues with a SELECT that may use `subtree`.
pub fn push_subtree_cte(sql: &mut Sql, root_id: i64) {
    sql.push("WITH RECURSIVE subtree(id, depth) AS (SELECT id, 0 FROM units WHERE id = ")
        .bind(root_id)
        .push(
            " UNION ALL SELECT u.id, s.depth + 1 FROM units u JOIN subtree s ON u.parent_id = s.id \
             WHERE s.depth < ",
        )
        .bind(MAX_DEPTH)
        .push(") ");
}

/// The ids of the unit and every unit below it.
pub async fn subtree_ids(db: &impl ConnectionTrait, root_id: i64) -> Result<Vec<i64>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    push_subtree_cte(&mut sql, root_id);
    sql.push("SELECT id FROM subtree ORDER BY id");
    let rows = db.query_all_raw(sql.build()).await?;
    rows.iter().map(|r| r.try_get_by_index::<i64>(0)).collect()
}

/// The unit and every unit below it, ordered by code.
pub async fn subtree(db: &impl ConnectionTrait, root_id: i64) -> Result<Vec<unit::Model>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    push_subtree_cte(&mut sql, root_id);
    sql.push(
        "SELECT u.* FROM units u WHERE u.id IN (SELECT id FROM subtree) ORDER BY u.code, u.id",
    );
    unit::Entity::find().from_raw_sql(sql.build()).all(db).await
}
