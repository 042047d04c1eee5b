//! The errors of an import, kept for their CSV download (`entity::import_result`). Rows older
//! than a day are deleted as new ones are written (`services::imports::keep_errors`); the index
//! on `created_at` keeps that delete from reading the table.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ImportResults {
    Table,
    Id,
    UserId,
    CreatedAt,
    Errors,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ImportResults::Table)
                    .col(big_pk_auto(ImportResults::Id))
                    .col(big_integer(ImportResults::UserId))
                    .col(timestamp_with_time_zone(ImportResults::CreatedAt))
                    .col(text(ImportResults::Errors))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_import_results_user")
                            .from(ImportResults::Table, ImportResults::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_import_results_created_at")
                    .table(ImportResults::Table)
                    .col(ImportResults::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ImportResults::Table).to_owned())
            .await
    }
}
