//! The data model: units, regimes, target rules and packages, with the indexes the compliance
//! check and the reports use.
//!
//! Enum columns are plain text without CHECK lists on purpose: the law adds selection methods
//! every few years (Law 22/2023, Law 90/2025, Decree 214/2025), and SQLite can only change a CHECK
//! by rebuilding the table. The application parses every enum at the edge instead. Numeric
//! invariants that never change (prices > 0, months 1-12) are enforced here as well.
//!
//! `search_text` holds the name and code folded to lower case without diacritics ("ha dong" for
//! "Hà Đông"), written by the application: neither engine can fold Vietnamese portably.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Units {
    Table,
    Id,
    Code,
    Name,
    Kind,
    ParentId,
    ValidFrom,
    ValidTo,
    SearchText,
}

#[derive(DeriveIden)]
enum Regimes {
    Table,
    Id,
    Code,
    Name,
    LegalBasis,
    ValidFrom,
    ValidTo,
    SmallScaleGoodsMaxVnd,
    SmallScaleWorksMaxVnd,
    SmallScaleConsultingMaxVnd,
    SmallScaleNonConsultingMaxVnd,
    SmallScaleMixedMaxVnd,
    CompetitiveOffersMaxVnd,
    CompetitiveOffersMixedAllowed,
}

#[derive(DeriveIden, Clone, Copy)]
enum TargetRules {
    Table,
    Id,
    Code,
    Name,
    LegalBasis,
    UnitId,
    YearFrom,
    YearTo,
    MinCountPercent,
    MinValuePercent,
    DomesticOnly,
    ExcludeTwoStage,
    ExcludeExempt,
}

#[derive(DeriveIden)]
enum TargetRuleMethods {
    Table,
    Id,
    TargetRuleId,
    Method,
    SmallScaleOnly,
}

#[derive(DeriveIden)]
enum Packages {
    Table,
    Id,
    UnitId,
    Name,
    Code,
    PlanCode,
    PlanYear,
    PlannedStartMonth,
    Field,
    Method,
    Procedure,
    International,
    PackagePriceVnd,
    FundingSource,
    ContractType,
    Online,
    OnlineExemptReason,
    Status,
    ResultDate,
    WinningPriceVnd,
    ContractorName,
    Notes,
    Version,
    SearchText,
}

#[derive(DeriveIden)]
enum Timestamps {
    CreatedAt,
    UpdatedAt,
}

/// A table with `created_at` and `updated_at`. Not sea-orm-migration's `table_auto`: that one
/// makes `timestamp without time zone`, which PostgreSQL will not decode as a UTC instant.
fn table_with_timestamps(table: impl IntoIden + 'static) -> TableCreateStatement {
    Table::create()
        .table(table)
        .col(timestamp_with_time_zone(Timestamps::CreatedAt).default(Expr::current_timestamp()))
        .col(timestamp_with_time_zone(Timestamps::UpdatedAt).default(Expr::current_timestamp()))
        .to_owned()
}

fn percent(col: TargetRules) -> SimpleExpr {
    Expr::col(col).gte(0).and(Expr::col(col).lte(100))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                table_with_timestamps(Units::Table)
                    .col(big_pk_auto(Units::Id))
                    .col(string_uniq(Units::Code))
                    .col(string(Units::Name))
                    .col(string(Units::Kind))
                    .col(big_integer_null(Units::ParentId))
                    .col(date_null(Units::ValidFrom))
                    .col(date_null(Units::ValidTo))
                    .col(string(Units::SearchText).default(""))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_units_parent")
                            .from(Units::Table, Units::ParentId)
                            .to(Units::Table, Units::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_units_parent")
                    .table(Units::Table)
                    .col(Units::ParentId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                table_with_timestamps(Regimes::Table)
                    .col(big_pk_auto(Regimes::Id))
                    .col(string_uniq(Regimes::Code))
                    .col(string(Regimes::Name))
                    .col(string(Regimes::LegalBasis))
                    .col(date(Regimes::ValidFrom))
                    .col(date_null(Regimes::ValidTo))
                    .col(big_integer_null(Regimes::SmallScaleGoodsMaxVnd))
                    .col(big_integer_null(Regimes::SmallScaleWorksMaxVnd))
                    .col(big_integer_null(Regimes::SmallScaleConsultingMaxVnd))
                    .col(big_integer_null(Regimes::SmallScaleNonConsultingMaxVnd))
                    .col(big_integer_null(Regimes::SmallScaleMixedMaxVnd))
                    .col(
                        big_integer(Regimes::CompetitiveOffersMaxVnd)
                            .check(Expr::col(Regimes::CompetitiveOffersMaxVnd).gt(0)),
                    )
                    .col(boolean(Regimes::CompetitiveOffersMixedAllowed))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                table_with_timestamps(TargetRules::Table)
                    .col(big_pk_auto(TargetRules::Id))
                    .col(string_uniq(TargetRules::Code))
                    .col(string(TargetRules::Name))
                    .col(string(TargetRules::LegalBasis))
                    .col(big_integer_null(TargetRules::UnitId))
                    .col(integer(TargetRules::YearFrom))
                    .col(integer_null(TargetRules::YearTo))
                    .col(
                        integer(TargetRules::MinCountPercent)
                            .check(percent(TargetRules::MinCountPercent)),
                    )
                    .col(
                        integer_null(TargetRules::MinValuePercent)
                            .check(percent(TargetRules::MinValuePercent)),
                    )
                    .col(boolean(TargetRules::DomesticOnly))
                    .col(boolean(TargetRules::ExcludeTwoStage))
                    .col(boolean(TargetRules::ExcludeExempt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_target_rules_unit")
                            .from(TargetRules::Table, TargetRules::UnitId)
                            .to(Units::Table, Units::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_target_rules_unit")
                    .table(TargetRules::Table)
                    .col(TargetRules::UnitId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TargetRuleMethods::Table)
                    .if_not_exists()
                    .col(big_pk_auto(TargetRuleMethods::Id))
                    .col(big_integer(TargetRuleMethods::TargetRuleId))
                    .col(string(TargetRuleMethods::Method))
                    .col(boolean(TargetRuleMethods::SmallScaleOnly))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_target_rule_methods_rule")
                            .from(TargetRuleMethods::Table, TargetRuleMethods::TargetRuleId)
                            .to(TargetRules::Table, TargetRules::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_target_rule_methods")
                    .table(TargetRuleMethods::Table)
                    .col(TargetRuleMethods::TargetRuleId)
                    .col(TargetRuleMethods::Method)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                table_with_timestamps(Packages::Table)
                    .col(big_pk_auto(Packages::Id))
                    .col(big_integer(Packages::UnitId))
                    .col(string(Packages::Name))
                    .col(string_null(Packages::Code))
                    .col(string_null(Packages::PlanCode))
                    .col(integer(Packages::PlanYear))
                    .col(
                        small_integer_null(Packages::PlannedStartMonth).check(
                            Expr::col(Packages::PlannedStartMonth)
                                .gte(1)
                                .and(Expr::col(Packages::PlannedStartMonth).lte(12)),
                        ),
                    )
                    .col(string(Packages::Field))
                    .col(string(Packages::Method))
                    .col(string_null(Packages::Procedure))
                    .col(boolean(Packages::International).default(false))
                    .col(
                        big_integer(Packages::PackagePriceVnd)
                            .check(Expr::col(Packages::PackagePriceVnd).gt(0)),
                    )
                    .col(string_null(Packages::FundingSource))
                    .col(string_null(Packages::ContractType))
                    .col(boolean(Packages::Online))
                    .col(string_null(Packages::OnlineExemptReason))
                    .col(string(Packages::Status))
                    .col(date_null(Packages::ResultDate))
                    .col(
                        big_integer_null(Packages::WinningPriceVnd)
                            .check(Expr::col(Packages::WinningPriceVnd).gt(0)),
                    )
                    .col(string_null(Packages::ContractorName))
                    .col(text_null(Packages::Notes))
                    .col(integer(Packages::Version).default(1))
                    .col(string(Packages::SearchText).default(""))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_packages_unit")
                            .from(Packages::Table, Packages::UnitId)
                            .to(Units::Table, Units::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        // NULL codes (packages not yet noticed) do not collide in a unique index on either engine.
        manager
            .create_index(
                Index::create()
                    .name("uq_packages_code")
                    .table(Packages::Table)
                    .col(Packages::Code)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // Covers the plan-view compliance aggregate: the subtree's unit ids, one plan year, and
        // every column the scope and the sums read, so the table itself is never visited.
        manager
            .create_index(
                Index::create()
                    .name("idx_packages_compliance")
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
        // The result view counts awarded packages by the year of their result date.
        manager
            .create_index(
                Index::create()
                    .name("idx_packages_unit_result_date")
                    .table(Packages::Table)
                    .col(Packages::UnitId)
                    .col(Packages::ResultDate)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_packages_plan_year")
                    .table(Packages::Table)
                    .col(Packages::PlanYear)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Packages::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(TargetRuleMethods::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(TargetRules::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Regimes::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Units::Table).to_owned())
            .await
    }
}
