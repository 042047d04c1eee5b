//! The compliance aggregate's covering index, reordered: plan year first, then unit, method and
//! field. Measured on 1,000,000 packages (BENCHMARKS.md): with the unit first, the province
//! check sought each of its 600 units and sorted the groups in a temporary B-tree; with the year
//! first it is one range scan that already comes in `GROUP BY unit_id, method, field` order,
//! and a district or commune still seeks `(plan_year, unit_id)` directly. The old plan-year
//! index is a prefix of the new one and goes.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Packages {
    Table,
    UnitId,
    PlanYear,
    Status,
    Method,
    Field,
    International,
    PlannedStartMonth,
    PackagePriceVnd,
    Online,
    Procedure,
    OnlineExemptReason,
}

const OLD: &str = "idx_packages_compliance";
const NEW: &str = "idx_packages_year_compliance";
const PLAN_YEAR: &str = "idx_packages_plan_year";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(NEW)
                    .table(Packages::Table)
                    .col(Packages::PlanYear)
                    .col(Packages::UnitId)
                    .col(Packages::Method)
                    .col(Packages::Field)
                    .col(Packages::Status)
                    .col(Packages::Online)
                    .col(Packages::PackagePriceVnd)
                    .col(Packages::International)
                    .col(Packages::PlannedStartMonth)
                    .col(Packages::Procedure)
                    .col(Packages::OnlineExemptReason)
                    .to_owned(),
            )
            .await?;
        for old in [OLD, PLAN_YEAR] {
            manager
                .drop_index(Index::drop().name(old).table(Packages::Table).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(OLD)
                    .table(Packages::Table)
                    .col(Packages::UnitId)
                    .col(Packages::PlanYear)
                    .col(Packages::Status)
                    .col(Packages::Method)
                    .col(Packages::Field)
                    .col(Packages::International)
                    .col(Packages::PlannedStartMonth)
                    .col(Packages::PackagePriceVnd)
                    .col(Packages::Online)
                    .col(Packages::Procedure)
                    .col(Packages::OnlineExemptReason)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(PLAN_YEAR)
                    .table(Packages::Table)
                    .col(Packages::PlanYear)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(Index::drop().name(NEW).table(Packages::Table).to_owned())
            .await
    }
}
