//! `unit_successions`: which units took over an ended one, and how (merge, split, transfer to a
//! new parent, rename), from which day (domain.md §7). A unit's structure never changes in place:
//! a unit that is merged, split, moved or renamed ends (`units.valid_to`) and its successors are
//! units of their own, so packages of 2019 stay attached to the districts that planned them and
//! the tree of any year can be drawn from the units valid in it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Units {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum UnitSuccessions {
    Table,
    Id,
    PredecessorId,
    SuccessorId,
    Kind,
    EffectiveDate,
    Decision,
    CreatedBy,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(UnitSuccessions::Table)
                    .col(big_pk_auto(UnitSuccessions::Id))
                    .col(big_integer(UnitSuccessions::PredecessorId))
                    .col(big_integer(UnitSuccessions::SuccessorId))
                    .col(string(UnitSuccessions::Kind))
                    .col(date(UnitSuccessions::EffectiveDate))
                    .col(string_null(UnitSuccessions::Decision))
                    .col(big_integer_null(UnitSuccessions::CreatedBy))
                    .col(
                        timestamp_with_time_zone(UnitSuccessions::CreatedAt)
                            .default(Expr::current_timestamp()),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_unit_successions_predecessor")
                            .from(UnitSuccessions::Table, UnitSuccessions::PredecessorId)
                            .to(Units::Table, Units::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_unit_successions_successor")
                            .from(UnitSuccessions::Table, UnitSuccessions::SuccessorId)
                            .to(Units::Table, Units::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    // The record of a reorganisation outlives the account that typed it in.
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_unit_successions_user")
                            .from(UnitSuccessions::Table, UnitSuccessions::CreatedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // One succession per pair; also the index of a unit's successors (its first column).
        manager
            .create_index(
                Index::create()
                    .name("uq_unit_successions_pair")
                    .table(UnitSuccessions::Table)
                    .col(UnitSuccessions::PredecessorId)
                    .col(UnitSuccessions::SuccessorId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // A unit's predecessors, read for its page and its comparable history.
        manager
            .create_index(
                Index::create()
                    .name("ix_unit_successions_successor")
                    .table(UnitSuccessions::Table)
                    .col(UnitSuccessions::SuccessorId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(UnitSuccessions::Table).to_owned())
            .await
    }
}
