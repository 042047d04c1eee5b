//! Indexes for clients that mirror bidtrack: packages changed after an instant and deletions
//! after an instant are read in (time, id) order, a page at a time from a position
//! (`/api/v1/packages?updated_since=…`, `/api/v1/packages/deleted`). Without these indexes
//! every page would read and sort the whole table.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Packages {
    Table,
    UpdatedAt,
    Id,
}

#[derive(DeriveIden)]
enum DeletedPackages {
    Table,
    DeletedAt,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_packages_updated_at_id")
                    .table(Packages::Table)
                    .col(Packages::UpdatedAt)
                    .col(Packages::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_deleted_packages_deleted_at_id")
                    .table(DeletedPackages::Table)
                    .col(DeletedPackages::DeletedAt)
                    .col(DeletedPackages::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_deleted_packages_deleted_at_id")
                    .table(DeletedPackages::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_packages_updated_at_id")
                    .table(Packages::Table)
                    .to_owned(),
            )
            .await
    }
}
