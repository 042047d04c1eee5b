//! The procurement record above packages (domain.md §10): projects and purchase estimates
//! (`projects`), their contractor selection plans (`selection_plans`, KHLCNT) and the dated
//! decisions that adjust an approved plan (`plan_adjustments`). Packages are not linked to plans
//! here; that comes with a migration of its own.
//!
//! As in the first migration, enum columns are plain text without CHECK lists (the law adds
//! values; SQLite changes a CHECK only by rebuilding the table), and so is the rule that only
//! an investment project has a group: the application parses and checks both at the edge. What
//! never changes is enforced here too: amounts are not negative, references exist.
//!
//! Codes are unique when present: NULL codes (a plan not yet posted on VNEPS) do not collide in
//! a unique index on either engine. One plan is never adjusted twice by the same decision
//! number, which also stops a form sent twice from leaving two rows in an append-only table.

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
enum Projects {
    Table,
    Id,
    UnitId,
    Code,
    Name,
    Kind,
    ProjectGroup,
    FundingKind,
    FundingSource,
    TotalVnd,
    Version,
    SearchText,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SelectionPlans {
    Table,
    Id,
    ProjectId,
    Code,
    Name,
    Year,
    DecisionNo,
    DecisionDate,
    Approver,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PlanAdjustments {
    Table,
    Id,
    PlanId,
    DecisionNo,
    DecisionDate,
    Reason,
    CreatedBy,
    CreatedAt,
}

/// `timestamp with time zone`, now by default: PostgreSQL decodes only that as a UTC instant.
fn now_default(col: impl IntoIden) -> ColumnDef {
    timestamp_with_time_zone(col)
        .default(Expr::current_timestamp())
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Projects::Table)
                    .col(big_pk_auto(Projects::Id))
                    .col(big_integer(Projects::UnitId))
                    .col(string_null(Projects::Code))
                    .col(string(Projects::Name))
                    .col(string(Projects::Kind))
                    .col(string_null(Projects::ProjectGroup))
                    .col(string(Projects::FundingKind))
                    .col(string_null(Projects::FundingSource))
                    .col(
                        big_integer_null(Projects::TotalVnd)
                            .check(Expr::col(Projects::TotalVnd).gte(0)),
                    )
                    .col(integer(Projects::Version).default(1))
                    .col(string(Projects::SearchText).default(""))
                    .col(now_default(Projects::CreatedAt))
                    .col(now_default(Projects::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_projects_unit")
                            .from(Projects::Table, Projects::UnitId)
                            .to(Units::Table, Units::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_projects_code")
                    .table(Projects::Table)
                    .col(Projects::Code)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // The list by unit (a subtree's ids) and the write checks read projects by unit.
        manager
            .create_index(
                Index::create()
                    .name("idx_projects_unit")
                    .table(Projects::Table)
                    .col(Projects::UnitId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SelectionPlans::Table)
                    .col(big_pk_auto(SelectionPlans::Id))
                    .col(big_integer(SelectionPlans::ProjectId))
                    .col(string_null(SelectionPlans::Code))
                    .col(string(SelectionPlans::Name))
                    .col(integer(SelectionPlans::Year))
                    .col(string_null(SelectionPlans::DecisionNo))
                    .col(date_null(SelectionPlans::DecisionDate))
                    .col(string_null(SelectionPlans::Approver))
                    .col(integer(SelectionPlans::Version).default(1))
                    .col(now_default(SelectionPlans::CreatedAt))
                    .col(now_default(SelectionPlans::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_selection_plans_project")
                            .from(SelectionPlans::Table, SelectionPlans::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_selection_plans_code")
                    .table(SelectionPlans::Table)
                    .col(SelectionPlans::Code)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // A project's page lists its plans; the plan list filters by project.
        manager
            .create_index(
                Index::create()
                    .name("idx_selection_plans_project")
                    .table(SelectionPlans::Table)
                    .col(SelectionPlans::ProjectId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PlanAdjustments::Table)
                    .col(big_pk_auto(PlanAdjustments::Id))
                    .col(big_integer(PlanAdjustments::PlanId))
                    .col(string(PlanAdjustments::DecisionNo))
                    .col(date(PlanAdjustments::DecisionDate))
                    .col(text(PlanAdjustments::Reason))
                    .col(big_integer_null(PlanAdjustments::CreatedBy))
                    .col(now_default(PlanAdjustments::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_plan_adjustments_plan")
                            .from(PlanAdjustments::Table, PlanAdjustments::PlanId)
                            .to(SelectionPlans::Table, SelectionPlans::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    // The record of a decision outlives the account that typed it in.
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_plan_adjustments_user")
                            .from(PlanAdjustments::Table, PlanAdjustments::CreatedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // Also the index of a plan's adjustments (its first column).
        manager
            .create_index(
                Index::create()
                    .name("uq_plan_adjustments_decision")
                    .table(PlanAdjustments::Table)
                    .col(PlanAdjustments::PlanId)
                    .col(PlanAdjustments::DecisionNo)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PlanAdjustments::Table.into_iden(),
            SelectionPlans::Table.into_iden(),
            Projects::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
