//! Targets as the roadmap has them (domain.md §5): several targets in force for the same year,
//! scopes by per-field price ceilings that are not the small-scale bands, and the rules of 2020
//! and 2021 seeded as data with their legal basis and how sure the source is.
//!
//! `replaces_code` says which target a rule stands in for: the targets in force for a unit are
//! grouped by `replaces_code` (or the rule's own code), and in each group the most specific rule
//! wins. A rule attached to a unit used to replace every rule of its year; the backfill keeps
//! that meaning for the rules that exist.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer_null, boolean, string, string_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

const BN: i64 = 1_000_000_000;

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
    ReplacesCode,
    SourceNote,
    CeilingGoodsVnd,
    CeilingWorksVnd,
    CeilingConsultingVnd,
    CeilingNonConsultingVnd,
    CeilingMixedVnd,
}

#[derive(DeriveIden)]
enum TargetRuleMethods {
    Table,
    TargetRuleId,
    Method,
    SmallScaleOnly,
    WithinCeilings,
}

/// Per-field ceilings in the order goods, works, consulting, non-consulting, mixed; `None`: the
/// field is not counted by the methods bound to the ceilings.
type Ceilings = [Option<i64>; 5];

struct Seed {
    code: &'static str,
    name: &'static str,
    legal_basis: &'static str,
    source_note: &'static str,
    year: i32,
    min_count_percent: i32,
    min_value_percent: Option<i32>,
    exclude_exempt: bool,
    ceilings: Ceilings,
    /// (method, within the ceilings)
    methods: &'static [(&'static str, bool)],
}

const OPEN_AND_OFFERS_UNDER_CEILINGS: &[(&str, bool)] =
    &[("open_bidding", true), ("competitive_offers", true)];
const OPEN_AND_OFFERS: &[(&str, bool)] = &[("open_bidding", false), ("competitive_offers", false)];

const SEEDS: &[Seed] = &[
    Seed {
        code: "tt11_2019_2020_small",
        name: "Thông tư 11/2019/TT-BKHĐT Điều 29 khoản 1 (2020): 100% gói thầu nhỏ",
        legal_basis: "Thông tư số 11/2019/TT-BKHĐT Điều 29 khoản 1: năm 2020 tổ chức lựa chọn nhà thầu qua mạng đối với 100% gói thầu đấu thầu rộng rãi, chào hàng cạnh tranh thuộc lĩnh vực hàng hóa, dịch vụ phi tư vấn, dịch vụ tư vấn có giá gói thầu không quá 5 tỷ đồng và xây lắp không quá 10 tỷ đồng",
        source_note: "Nguồn thứ cấp: chỉ thị của một bộ nhắc lại thông tư; cần đối chiếu văn bản gốc.",
        year: 2020,
        min_count_percent: 100,
        min_value_percent: None,
        exclude_exempt: true,
        ceilings: [
            Some(5 * BN),
            Some(10 * BN),
            Some(5 * BN),
            Some(5 * BN),
            None,
        ],
        methods: OPEN_AND_OFFERS_UNDER_CEILINGS,
    },
    Seed {
        code: "tt11_2019_2020_all",
        name: "Thông tư 11/2019/TT-BKHĐT Điều 29 khoản 1 (2020): 60% số lượng, 25% giá trị",
        legal_basis: "Thông tư số 11/2019/TT-BKHĐT Điều 29 khoản 1: năm 2020 tối thiểu 60% số lượng và 25% tổng giá trị các gói thầu đấu thầu rộng rãi, chào hàng cạnh tranh lựa chọn nhà thầu qua mạng",
        source_note: "Nguồn thứ cấp: chỉ thị của một bộ nhắc lại thông tư; cần đối chiếu văn bản gốc.",
        year: 2020,
        min_count_percent: 60,
        min_value_percent: Some(25),
        exclude_exempt: false,
        ceilings: [None; 5],
        methods: OPEN_AND_OFFERS,
    },
    Seed {
        code: "tt11_2019_2021_small",
        name: "Thông tư 11/2019/TT-BKHĐT Điều 29 khoản 2 điểm a (2021): 100% gói thầu nhỏ",
        legal_basis: "Thông tư số 11/2019/TT-BKHĐT Điều 29 khoản 2 điểm a: tổ chức lựa chọn nhà thầu qua mạng đối với toàn bộ (100%) các gói thầu áp dụng hình thức đấu thầu rộng rãi, chào hàng cạnh tranh thuộc lĩnh vực hàng hóa, dịch vụ phi tư vấn, dịch vụ tư vấn có giá gói thầu không quá 10 tỷ đồng và thuộc lĩnh vực xây lắp có giá gói thầu không quá 20 tỷ đồng, trừ các gói thầu chưa thể thực hiện qua mạng hoặc gói thầu đặc biệt",
        source_note: "Trích nguyên văn thông tư.",
        year: 2021,
        min_count_percent: 100,
        min_value_percent: None,
        exclude_exempt: true,
        ceilings: [
            Some(10 * BN),
            Some(20 * BN),
            Some(10 * BN),
            Some(10 * BN),
            None,
        ],
        methods: OPEN_AND_OFFERS_UNDER_CEILINGS,
    },
    Seed {
        code: "tt11_2019_2021_all",
        name: "Thông tư 11/2019/TT-BKHĐT Điều 29 khoản 2 điểm b (2021): 70% số lượng, 35% giá trị",
        legal_basis: "Thông tư số 11/2019/TT-BKHĐT Điều 29 khoản 2 điểm b: năm 2021 tối thiểu 70% số lượng và 35% tổng giá trị các gói thầu đấu thầu rộng rãi, chào hàng cạnh tranh lựa chọn nhà thầu qua mạng",
        source_note: "Nguồn: bản tổng hợp của một sở; cần đối chiếu văn bản gốc.",
        year: 2021,
        min_count_percent: 70,
        min_value_percent: Some(35),
        exclude_exempt: false,
        ceilings: [None; 5],
        methods: OPEN_AND_OFFERS,
    },
];

/// Source notes of the founding rules seeded earlier.
const FOUNDING_NOTES: &[(&str, &str)] = &[
    (
        "nq01_2019",
        "Văn bản gốc (kế hoạch của Hà Nội trích dẫn); ngưỡng 15% giá trị theo báo chí trung ương.",
    ),
    ("law22_art50_2025", "Trích nguyên văn luật và nghị định."),
];

const CEILING_COLUMNS: [TargetRules; 5] = [
    TargetRules::CeilingGoodsVnd,
    TargetRules::CeilingWorksVnd,
    TargetRules::CeilingConsultingVnd,
    TargetRules::CeilingNonConsultingVnd,
    TargetRules::CeilingMixedVnd,
];

fn add_column(table: impl IntoIden, mut column: ColumnDef) -> TableAlterStatement {
    // One column a statement: SQLite's ALTER TABLE adds one at a time.
    Table::alter()
        .table(table)
        .add_column(&mut column)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        manager
            .alter_table(add_column(
                TargetRules::Table,
                string_null(TargetRules::ReplacesCode),
            ))
            .await?;
        manager
            .alter_table(add_column(
                TargetRules::Table,
                string(TargetRules::SourceNote).default("").to_owned(),
            ))
            .await?;
        for column in CEILING_COLUMNS {
            manager
                .alter_table(add_column(TargetRules::Table, big_integer_null(column)))
                .await?;
        }
        manager
            .alter_table(add_column(
                TargetRuleMethods::Table,
                boolean(TargetRuleMethods::WithinCeilings)
                    .default(false)
                    .to_owned(),
            ))
            .await?;

        backfill_replaces(db).await?;

        for (code, note) in FOUNDING_NOTES {
            manager
                .exec_stmt(
                    Query::update()
                        .table(TargetRules::Table)
                        .value(TargetRules::SourceNote, *note)
                        .and_where(Expr::col(TargetRules::Code).eq(*code))
                        .to_owned(),
                )
                .await?;
        }

        for s in SEEDS {
            // An administrator may already have entered one of these by hand: keep theirs.
            if rule_id(db, s.code).await?.is_some() {
                continue;
            }
            let mut columns = vec![
                TargetRules::Code,
                TargetRules::Name,
                TargetRules::LegalBasis,
                TargetRules::SourceNote,
                TargetRules::YearFrom,
                TargetRules::YearTo,
                TargetRules::MinCountPercent,
                TargetRules::MinValuePercent,
                TargetRules::DomesticOnly,
                TargetRules::ExcludeTwoStage,
                TargetRules::ExcludeExempt,
            ];
            columns.extend(CEILING_COLUMNS);
            let mut values: Vec<SimpleExpr> = vec![
                s.code.into(),
                s.name.into(),
                s.legal_basis.into(),
                s.source_note.into(),
                s.year.into(),
                Some(s.year).into(),
                s.min_count_percent.into(),
                s.min_value_percent.into(),
                // International bidding was not run on the national system in these years.
                true.into(),
                false.into(),
                s.exclude_exempt.into(),
            ];
            values.extend(s.ceilings.iter().map(|c| SimpleExpr::from(*c)));
            let insert = Query::insert()
                .into_table(TargetRules::Table)
                .columns(columns)
                .values(values)
                .map_err(|e| DbErr::Migration(e.to_string()))?
                .to_owned();
            manager.exec_stmt(insert).await?;
            let rule_id = rule_id(db, s.code)
                .await?
                .ok_or_else(|| DbErr::Migration(format!("target rule {} not inserted", s.code)))?;
            for (method, within) in s.methods {
                manager
                    .exec_stmt(
                        Query::insert()
                            .into_table(TargetRuleMethods::Table)
                            .columns([
                                TargetRuleMethods::TargetRuleId,
                                TargetRuleMethods::Method,
                                TargetRuleMethods::SmallScaleOnly,
                                TargetRuleMethods::WithinCeilings,
                            ])
                            .values([
                                rule_id.into(),
                                (*method).into(),
                                false.into(),
                                (*within).into(),
                            ])
                            .map_err(|e| DbErr::Migration(e.to_string()))?
                            .to_owned(),
                    )
                    .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let codes: Vec<&str> = SEEDS.iter().map(|s| s.code).collect();
        manager
            .exec_stmt(
                Query::delete()
                    .from_table(TargetRules::Table)
                    .and_where(Expr::col(TargetRules::Code).is_in(codes))
                    .to_owned(),
            )
            .await?;
        let mut columns = vec![TargetRules::ReplacesCode, TargetRules::SourceNote];
        columns.extend(CEILING_COLUMNS);
        for column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(TargetRules::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(TargetRuleMethods::Table)
                    .drop_column(TargetRuleMethods::WithinCeilings)
                    .to_owned(),
            )
            .await
    }
}

/// The id of the rule with `code`, read back by code: portable across engines, unlike RETURNING
/// on old SQLite.
async fn rule_id(db: &SchemaManagerConnection<'_>, code: &str) -> Result<Option<i64>, DbErr> {
    let row = db
        .query_one(
            &Query::select()
                .column(TargetRules::Id)
                .from(TargetRules::Table)
                .and_where(Expr::col(TargetRules::Code).eq(code))
                .to_owned(),
        )
        .await?;
    row.map(|r| r.try_get("", "id")).transpose()
}

/// A rule attached to a unit replaced every rule of its year before targets could be several:
/// each such rule now names the one system-wide rule it stood in for (when exactly one covered
/// its first year), so what applies to that unit does not change.
async fn backfill_replaces(db: &SchemaManagerConnection<'_>) -> Result<(), DbErr> {
    let rules = db
        .query_all(
            &Query::select()
                .columns([
                    TargetRules::Id,
                    TargetRules::Code,
                    TargetRules::UnitId,
                    TargetRules::YearFrom,
                    TargetRules::YearTo,
                ])
                .from(TargetRules::Table)
                .to_owned(),
        )
        .await?;
    struct R {
        id: i64,
        code: String,
        unit_id: Option<i64>,
        from: i32,
        to: Option<i32>,
    }
    let rules = rules
        .iter()
        .map(|r| {
            Ok(R {
                id: r.try_get("", "id")?,
                code: r.try_get("", "code")?,
                unit_id: r.try_get("", "unit_id")?,
                from: r.try_get("", "year_from")?,
                to: r.try_get("", "year_to")?,
            })
        })
        .collect::<Result<Vec<_>, DbErr>>()?;
    for attached in rules.iter().filter(|r| r.unit_id.is_some()) {
        let mut national = rules.iter().filter(|r| {
            r.unit_id.is_none()
                && r.from <= attached.from
                && r.to.is_none_or(|to| attached.from <= to)
        });
        if let (Some(only), None) = (national.next(), national.next()) {
            db.execute(
                &Query::update()
                    .table(TargetRules::Table)
                    .value(TargetRules::ReplacesCode, only.code.clone())
                    .and_where(Expr::col(TargetRules::Id).eq(attached.id))
                    .to_owned(),
            )
            .await?;
        }
    }
    Ok(())
}
