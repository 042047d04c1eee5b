//! Package reads and writes.

use entity::package;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

pub async fn insert(
    db: &impl ConnectionTrait,
    model: package::ActiveModel,
) -> Result<package::Model, DbErr> {
    model.insert(db).await
}

pub async fn find_by_code(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<package::Model>, DbErr> {
    package::Entity::find()
        .filter(package::Column::Code.eq(code))
        .one(db)
        .await
}
