//! A package belongs to a contractor selection plan (KHLCNT), and through it to a project
//! (issue 19, domain.md §10): `packages.plan_id`, nullable (a package entered before its plan
//! is recorded, or of a unit that records none), referencing `selection_plans` without cascade
//! (a plan with packages is not deleted from under them), indexed for the plan's page and the
//! list's filters.
//!
//! The plan numbers officers typed as free text (`packages.plan_code`, "Số KHLCNT") become
//! plans, per unit and year: for each distinct (unit, plan year, plan code) of the packages,
//! one selection plan named "KHLCNT {code}" of that year, under one project per unit created
//! for the purpose ("Chưa phân loại (chuyển từ số KHLCNT đã nhập)", kind and funding `other`):
//! officers later move the plans to their real projects. `plan_code` itself is kept as typed.
//!
//! Plan codes are unique (`uq_selection_plans_code`), but the same text may have been typed by
//! two units or for two years. The code goes to the group whose first package (lowest id) was
//! entered first; the other groups' plans get no code and keep it only in their name
//! ("KHLCNT {code}"), for an officer to sort out. A group whose plan is already recorded (a plan
//! with that code, or without code and with that name, of the same unit and year: entered by
//! hand since migration 000013, or made by an earlier run of this one) is linked to it instead,
//! and the project is reused likewise, so a run after `down` makes nothing twice.
//!
//! Set-wise, so its time does not grow with round trips: the groups go to a work table
//! (`plan_code_backfill`, dropped at the end), the projects and plans are inserted from it in
//! one statement each, and the packages are linked in one UPDATE through its primary key. The
//! linked packages get a new version and `updated_at` (the row a client sees has changed: the
//! change feed brings it again, and an edit form opened before the migration is refused as
//! stale instead of clearing the new field). Timestamps are bound from Rust, so SQLite stores
//! them in the form the application writes and the feed's ordering relies on. On the generated
//! province (`bidtrack gen`: 1,000,000 packages, 5,391 unit-year plan codes) it ran in 11 s on
//! SQLite and 32–51 s on PostgreSQL (release build, two shared cores), most of it the UPDATE
//! that rewrites every linked package and its indexes.
//!
//! `down` drops the column and its index; the projects and plans made here stay (they are
//! records officers may have changed since).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PlanCodeBackfill {
    Table,
    UnitId,
    PlanYear,
    PlanCode,
    FirstPackage,
    PlanId,
}

/// The project each unit's migrated plans are filed under until an officer moves them.
pub const BACKFILL_PROJECT_NAME: &str = "Chưa phân loại (chuyển từ số KHLCNT đã nhập)";
/// Its search text as the application folds it (`domain::text::search_text`: lower case, no
/// diacritics); a test checks the two agree.
pub const BACKFILL_PROJECT_SEARCH: &str = "chua phan loai (chuyen tu so khlcnt da nhap)";
/// What a migrated plan's name starts with; its code follows.
pub const BACKFILL_PLAN_PREFIX: &str = "KHLCNT ";

/// Runs `sql` with every `{now}` bound to `now` (SQLite numbers nothing, so each gets its own
/// `?`; PostgreSQL reuses `$1`).
async fn exec_at(
    db: &impl ConnectionTrait,
    sql: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<u64, DbErr> {
    let backend = db.get_database_backend();
    let uses = sql.matches("{now}").count();
    let (text, values) = match backend {
        DbBackend::Postgres => (
            sql.replace("{now}", "$1"),
            if uses > 0 {
                vec![Value::from(now)]
            } else {
                Vec::new()
            },
        ),
        _ => (sql.replace("{now}", "?"), vec![Value::from(now); uses]),
    };
    Ok(db
        .execute_raw(Statement::from_sql_and_values(backend, text, values))
        .await?
        .rows_affected())
}

/// Files the typed plan codes as plans and links the packages to them (see the module's doc).
async fn backfill(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    manager.create_table(work_table()).await?;
    let now = chrono::Utc::now();
    let project = format!(
        "SELECT MIN(j.id) FROM projects j WHERE j.unit_id = b.unit_id AND j.kind = 'other' \
         AND j.name = '{BACKFILL_PROJECT_NAME}'"
    );
    let statements = [
        // The groups, each with its first package.
        "INSERT INTO plan_code_backfill (unit_id, plan_year, plan_code, first_package) \
         SELECT unit_id, plan_year, plan_code, MIN(id) FROM packages \
         WHERE plan_code IS NOT NULL GROUP BY unit_id, plan_year, plan_code"
            .to_owned(),
        // Plans already recorded: by code (its unique index), then by the name this migration
        // gives a plan that could not have its code.
        "UPDATE plan_code_backfill SET plan_id = (SELECT MIN(s.id) FROM selection_plans s \
         JOIN projects j ON j.id = s.project_id WHERE s.code = plan_code_backfill.plan_code \
         AND s.year = plan_code_backfill.plan_year AND j.unit_id = plan_code_backfill.unit_id)"
            .to_owned(),
        format!(
            "UPDATE plan_code_backfill SET plan_id = (SELECT MIN(s.id) FROM selection_plans s \
             JOIN projects j ON j.id = s.project_id WHERE s.code IS NULL \
             AND s.name = '{BACKFILL_PLAN_PREFIX}' || plan_code_backfill.plan_code \
             AND s.year = plan_code_backfill.plan_year AND j.unit_id = plan_code_backfill.unit_id) \
             WHERE plan_id IS NULL"
        ),
        // One project per unit that still needs plans, unless an earlier run made it.
        format!(
            "INSERT INTO projects (unit_id, name, kind, funding_kind, version, search_text, \
             created_at, updated_at) \
             SELECT u.unit_id, '{BACKFILL_PROJECT_NAME}', 'other', 'other', 1, \
             '{BACKFILL_PROJECT_SEARCH}', {{now}}, {{now}} \
             FROM (SELECT DISTINCT unit_id FROM plan_code_backfill WHERE plan_id IS NULL) u \
             WHERE NOT EXISTS (SELECT 1 FROM projects j WHERE j.unit_id = u.unit_id \
             AND j.kind = 'other' AND j.name = '{BACKFILL_PROJECT_NAME}') \
             ORDER BY u.unit_id"
        ),
        // The plans: the code to the group entered first, unless a plan has it already.
        format!(
            "INSERT INTO selection_plans (project_id, code, name, year, version, created_at, \
             updated_at) \
             SELECT ({project}), \
             CASE WHEN b.first_package = MIN(b.first_package) OVER (PARTITION BY b.plan_code) \
             AND NOT EXISTS (SELECT 1 FROM selection_plans s WHERE s.code = b.plan_code) \
             THEN b.plan_code END, \
             '{BACKFILL_PLAN_PREFIX}' || b.plan_code, b.plan_year, 1, {{now}}, {{now}} \
             FROM plan_code_backfill b WHERE b.plan_id IS NULL ORDER BY b.first_package"
        ),
        "UPDATE plan_code_backfill SET plan_id = (SELECT MIN(s.id) FROM selection_plans s \
         JOIN projects j ON j.id = s.project_id WHERE s.code = plan_code_backfill.plan_code \
         AND s.year = plan_code_backfill.plan_year AND j.unit_id = plan_code_backfill.unit_id) \
         WHERE plan_id IS NULL"
            .to_owned(),
        format!(
            "UPDATE plan_code_backfill SET plan_id = (SELECT MIN(s.id) FROM selection_plans s \
             JOIN projects j ON j.id = s.project_id WHERE s.code IS NULL \
             AND s.name = '{BACKFILL_PLAN_PREFIX}' || plan_code_backfill.plan_code \
             AND s.year = plan_code_backfill.plan_year AND j.unit_id = plan_code_backfill.unit_id) \
             WHERE plan_id IS NULL"
        ),
        // Every package of a group, through the work table's primary key.
        "UPDATE packages SET plan_id = b.plan_id, version = packages.version + 1, \
         updated_at = {now} FROM plan_code_backfill b \
         WHERE b.unit_id = packages.unit_id AND b.plan_year = packages.plan_year \
         AND b.plan_code = packages.plan_code AND packages.plan_id IS NULL"
            .to_owned(),
    ];
    let mut written = 0;
    for sql in statements {
        let rows = exec_at(db, &sql, now).await?;
        // The work table is not data anyone reads.
        if !sql.contains("INTO plan_code_backfill") && !sql.starts_with("UPDATE plan_code_backfill")
        {
            written += rows;
        }
    }
    // Counted as a write (`db::data_version`) when it wrote: figures another instance cached
    // before this ran are not served as current.
    if written > 0 {
        db.execute_unprepared("UPDATE data_version SET version = version + 1 WHERE id = 1")
            .await?;
    }
    manager
        .drop_table(Table::drop().table(PlanCodeBackfill::Table).to_owned())
        .await
}

/// Files typed plan codes as plans and links their packages, as this migration does, for
/// packages written without plans after it ran: the generated province of `bidtrack gen`,
/// which writes plan codes the way units typed them before plans were records.
pub async fn file_plan_codes<'c, C>(db: C) -> Result<(), DbErr>
where
    C: IntoSchemaManagerConnection<'c>,
{
    backfill(&SchemaManager::new(db)).await
}

/// The groups of packages by (unit, year, plan code), keyed as the packages are matched.
fn work_table() -> TableCreateStatement {
    Table::create()
        .table(PlanCodeBackfill::Table)
        .col(
            ColumnDef::new(PlanCodeBackfill::UnitId)
                .big_integer()
                .not_null(),
        )
        .col(
            ColumnDef::new(PlanCodeBackfill::PlanYear)
                .integer()
                .not_null(),
        )
        .col(
            ColumnDef::new(PlanCodeBackfill::PlanCode)
                .string()
                .not_null(),
        )
        .col(
            ColumnDef::new(PlanCodeBackfill::FirstPackage)
                .big_integer()
                .not_null(),
        )
        .col(
            ColumnDef::new(PlanCodeBackfill::PlanId)
                .big_integer()
                .null(),
        )
        .primary_key(
            Index::create()
                .col(PlanCodeBackfill::UnitId)
                .col(PlanCodeBackfill::PlanYear)
                .col(PlanCodeBackfill::PlanCode),
        )
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// On SQLite too: a run stopped halfway leaves nothing behind (the column included), so the
    /// next start runs it again from the beginning.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        // SQLite adds a reference only with the column (no ALTER TABLE … ADD CONSTRAINT), so
        // the column is added in each engine's words.
        let add = match db.get_database_backend() {
            DbBackend::Postgres => {
                "ALTER TABLE packages ADD COLUMN plan_id bigint NULL \
                 CONSTRAINT fk_packages_plan REFERENCES selection_plans (id) ON DELETE RESTRICT"
            }
            _ => {
                "ALTER TABLE packages ADD COLUMN plan_id bigint NULL \
                 REFERENCES selection_plans (id) ON DELETE RESTRICT"
            }
        };
        db.execute_unprepared(add).await?;
        backfill(manager).await?;
        // After the backfill, so its UPDATE does not maintain the index row by row. The plan's
        // page and the list's plan and project filters read packages by plan.
        db.execute_unprepared("CREATE INDEX idx_packages_plan ON packages (plan_id)")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX idx_packages_plan")
            .await?;
        // SQLite drops a column that references another table with its reference.
        db.execute_unprepared("ALTER TABLE packages DROP COLUMN plan_id")
            .await?;
        Ok(())
    }
}
