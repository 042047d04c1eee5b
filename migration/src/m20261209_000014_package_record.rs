//! The procurement record of a package (issue 19, domain.md §10): its notice (version, posting
//! date, bid closing time, procuring entity), its evaluation (number of bidders), its award
//! (decision, contractor's tax code, contract duration) and its cancellation; and the events of
//! its life (`package_events`: status moves and re-planning, who, when, from, to, why).
//!
//! Every new column is nullable, so every existing package stays valid. Notice codes of the
//! national e-GP form with a version suffix (`IB1800012345-01`) are split into the code and the
//! version, so the versions of one notice are one package; where two packages hold two
//! versions of one notice, both keep their codes as they were (merging them is an officer's
//! decision, not a migration's).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::ConnectionTrait;
use std::collections::{HashMap, HashSet};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Packages {
    Table,
    Id,
    Code,
    NoticeVersion,
    ProcuringEntity,
    NoticeDate,
    BidClosingAt,
    BidderCount,
    AwardDecisionNo,
    ContractorTaxCode,
    ContractDurationDays,
    CancellationDecisionNo,
    CancellationReason,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PackageEvents {
    Table,
    Id,
    PackageId,
    Kind,
    FromStatus,
    ToStatus,
    FromYear,
    FromMonth,
    FromQuarter,
    ToYear,
    ToMonth,
    ToQuarter,
    Reason,
    DecisionNo,
    DecisionDate,
    UserId,
    At,
}

fn columns() -> Vec<ColumnDef> {
    use Packages::*;
    vec![
        ColumnDef::new(NoticeVersion)
            .small_integer()
            .null()
            .check(Expr::col(NoticeVersion).between(0, 99))
            .to_owned(),
        ColumnDef::new(ProcuringEntity).string().null().to_owned(),
        ColumnDef::new(NoticeDate).date().null().to_owned(),
        // Vietnam's local time (UTC+7, no daylight saving), as notices state it.
        ColumnDef::new(BidClosingAt).date_time().null().to_owned(),
        ColumnDef::new(BidderCount)
            .integer()
            .null()
            .check(Expr::col(BidderCount).gte(0))
            .to_owned(),
        ColumnDef::new(AwardDecisionNo).string().null().to_owned(),
        ColumnDef::new(ContractorTaxCode).string().null().to_owned(),
        ColumnDef::new(ContractDurationDays)
            .integer()
            .null()
            .check(Expr::col(ContractDurationDays).gte(0))
            .to_owned(),
        ColumnDef::new(CancellationDecisionNo)
            .string()
            .null()
            .to_owned(),
        ColumnDef::new(CancellationReason).text().null().to_owned(),
    ]
}

/// `IB` + 10 digits + `-` + 2 digits: the code and its version.
fn split_version(code: &str) -> Option<(String, i16)> {
    let (base, suffix) = code.rsplit_once('-')?;
    let egp =
        base.len() == 12 && base.starts_with("IB") && base[2..].bytes().all(|b| b.is_ascii_digit());
    if !egp || suffix.len() != 2 {
        return None;
    }
    suffix.parse().ok().map(|v| (base.to_owned(), v))
}

async fn split_notice_versions(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let rows = db
        .query_all(
            &Query::select()
                .columns([Packages::Id, Packages::Code])
                .from(Packages::Table)
                .and_where(Expr::col(Packages::Code).like("IB%-%"))
                .to_owned(),
        )
        .await?;
    let mut by_base: HashMap<String, Vec<(i64, i16)>> = HashMap::new();
    for row in rows {
        let id: i64 = row.try_get("", "id")?;
        let code: String = row.try_get("", "code")?;
        if let Some((base, version)) = split_version(&code) {
            by_base.entry(base).or_default().push((id, version));
        }
    }
    // One version of a notice per package only: where two packages hold versions of one
    // notice, merging them is an officer's decision.
    let single: Vec<(String, i64)> = by_base
        .into_iter()
        .filter_map(|(base, holders)| match holders[..] {
            [(id, _)] => Some((base, id)),
            _ => None,
        })
        .collect();
    // Checked and written 500 at a time: a province's codes are typed with their suffix more
    // often than not, and a query per package would take minutes on PostgreSQL.
    for chunk in single.chunks(500) {
        // The bare code may already belong to another package: then this one keeps its suffix.
        let taken: HashSet<String> = db
            .query_all(
                &Query::select()
                    .column(Packages::Code)
                    .from(Packages::Table)
                    .and_where(
                        Expr::col(Packages::Code).is_in(chunk.iter().map(|(b, _)| b.clone())),
                    )
                    .to_owned(),
            )
            .await?
            .iter()
            .map(|r| r.try_get::<String>("", "code"))
            .collect::<Result<_, _>>()?;
        let ids: Vec<i64> = chunk
            .iter()
            .filter(|(base, _)| !taken.contains(base))
            .map(|(_, id)| *id)
            .collect();
        if ids.is_empty() {
            continue;
        }
        // `IB` + 10 digits, `-`, then the version: characters 1–12 and 14–15 in both engines.
        manager
            .exec_stmt(
                Query::update()
                    .table(Packages::Table)
                    .value(
                        Packages::NoticeVersion,
                        Expr::cust("CAST(SUBSTR(code, 14, 2) AS SMALLINT)"),
                    )
                    .value(Packages::Code, Expr::cust("SUBSTR(code, 1, 12)"))
                    .and_where(Expr::col(Packages::Id).is_in(ids))
                    .to_owned(),
            )
            .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time.
        for mut column in columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table(Packages::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        split_notice_versions(manager).await?;
        manager
            .create_table(
                Table::create()
                    .table(PackageEvents::Table)
                    .col(big_pk_auto(PackageEvents::Id))
                    .col(big_integer(PackageEvents::PackageId))
                    .col(string(PackageEvents::Kind))
                    .col(string_null(PackageEvents::FromStatus))
                    .col(string_null(PackageEvents::ToStatus))
                    .col(integer_null(PackageEvents::FromYear))
                    .col(small_integer_null(PackageEvents::FromMonth))
                    .col(small_integer_null(PackageEvents::FromQuarter))
                    .col(integer_null(PackageEvents::ToYear))
                    .col(small_integer_null(PackageEvents::ToMonth))
                    .col(small_integer_null(PackageEvents::ToQuarter))
                    .col(text_null(PackageEvents::Reason))
                    .col(string_null(PackageEvents::DecisionNo))
                    .col(date_null(PackageEvents::DecisionDate))
                    .col(big_integer_null(PackageEvents::UserId))
                    .col(timestamp_with_time_zone(PackageEvents::At))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_package_events_package")
                            .from(PackageEvents::Table, PackageEvents::PackageId)
                            .to(Packages::Table, Packages::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_package_events_user")
                            .from(PackageEvents::Table, PackageEvents::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_package_events_package")
                    .table(PackageEvents::Table)
                    .col(PackageEvents::PackageId)
                    .col(PackageEvents::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PackageEvents::Table).to_owned())
            .await?;
        // The versions go back into the codes they were split from.
        let db = manager.get_connection();
        let suffix = match db.get_database_backend() {
            sea_orm_migration::sea_orm::DbBackend::Postgres => "lpad(notice_version::text, 2, '0')",
            _ => "printf('%02d', notice_version)",
        };
        db.execute_unprepared(&format!(
            "UPDATE packages SET code = code || '-' || {suffix} WHERE notice_version IS NOT NULL AND code IS NOT NULL"
        ))
        .await?;
        for column in [
            Packages::NoticeVersion,
            Packages::ProcuringEntity,
            Packages::NoticeDate,
            Packages::BidClosingAt,
            Packages::BidderCount,
            Packages::AwardDecisionNo,
            Packages::ContractorTaxCode,
            Packages::ContractDurationDays,
            Packages::CancellationDecisionNo,
            Packages::CancellationReason,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Packages::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
