//! `packages.evidenced`: the package's notice is on the national system under an e-GP notice
//! code (`IB` + 10 digits) with its posting date (domain.md §10). The application writes it with
//! every write, from the code and the date, so the compliance aggregate's result view can count
//! evidenced packages only, in the same scan, without matching codes against a pattern (which
//! SQLite and PostgreSQL write differently).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Packages {
    Table,
    Id,
    Code,
    NoticeDate,
    Evidenced,
}

fn egp(code: &str) -> bool {
    code.len() == 12 && code.starts_with("IB") && code[2..].bytes().all(|b| b.is_ascii_digit())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Packages::Table)
                    .add_column(
                        ColumnDef::new(Packages::Evidenced)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await?;
        // Only packages with a posting date can be evidenced; the column is new with 000014,
        // so this reads few rows.
        let db = manager.get_connection();
        let rows = db
            .query_all(
                &Query::select()
                    .columns([Packages::Id, Packages::Code])
                    .from(Packages::Table)
                    .and_where(Expr::col(Packages::NoticeDate).is_not_null())
                    .and_where(Expr::col(Packages::Code).like("IB%"))
                    .to_owned(),
            )
            .await?;
        let mut ids = Vec::new();
        for row in rows {
            let code: String = row.try_get("", "code")?;
            if egp(&code) {
                ids.push(row.try_get::<i64>("", "id")?);
            }
        }
        for chunk in ids.chunks(500) {
            manager
                .exec_stmt(
                    Query::update()
                        .table(Packages::Table)
                        .value(Packages::Evidenced, true)
                        .and_where(Expr::col(Packages::Id).is_in(chunk.iter().copied()))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Packages::Table)
                    .drop_column(Packages::Evidenced)
                    .to_owned(),
            )
            .await
    }
}
