//! Indexes for forgetting what has expired: failed-login counters nobody has touched for a day
//! and sessions past their end. Both are deleted by time as new ones are written
//! (`services::accounts`), and without these indexes every such delete would read its table.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LoginFailures {
    Table,
    LastFailureAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_login_failures_last_failure_at")
                    .table(LoginFailures::Table)
                    .col(LoginFailures::LastFailureAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sessions_expires_at")
                    .table(Sessions::Table)
                    .col(Sessions::ExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_sessions_expires_at")
                    .table(Sessions::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_login_failures_last_failure_at")
                    .table(LoginFailures::Table)
                    .to_owned(),
            )
            .await
    }
}
