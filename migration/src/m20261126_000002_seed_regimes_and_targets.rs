//! Seeds the legal regimes (domain.md §4) and the two founding target rules (domain.md §5).
//! These are data, not constants: an administrator may correct them later (values marked
//! "verify" in the domain reference in particular), and later years get their rules as new rows.

use chrono::NaiveDate;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const BN: i64 = 1_000_000_000;

#[derive(DeriveIden)]
enum Regimes {
    Table,
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

#[derive(DeriveIden)]
enum TargetRules {
    Table,
    Id,
    Code,
    Name,
    LegalBasis,
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
    TargetRuleId,
    Method,
    SmallScaleOnly,
}

struct RegimeSeed {
    code: &'static str,
    name: &'static str,
    legal_basis: &'static str,
    valid_from: (i32, u32, u32),
    valid_to: Option<(i32, u32, u32)>,
    competitive_offers_max_vnd: i64,
    competitive_offers_mixed_allowed: bool,
}

/// Small-scale bands are the same in every regime so far: goods and non-consulting up to 10 bn,
/// works and mixed up to 20 bn, consulting never (Decree 63/2014 Art. 63; kept by Decree 24/2024
/// and Decree 214/2025 for their timelines).
const REGIMES: &[RegimeSeed] = &[
    RegimeSeed {
        code: "law43_decree63",
        name: "Luật Đấu thầu 43/2013/QH13 và Nghị định 63/2014/NĐ-CP",
        legal_basis: "Luật Đấu thầu số 43/2013/QH13; Nghị định 63/2014/NĐ-CP",
        valid_from: (2014, 7, 1),
        valid_to: Some((2023, 12, 31)),
        competitive_offers_max_vnd: 5 * BN,
        // Decree 63/2014 Art. 57 allows competitive offers for non-consulting services, goods and
        // simple works only.
        competitive_offers_mixed_allowed: false,
    },
    RegimeSeed {
        code: "law22_decree24",
        name: "Luật Đấu thầu 22/2023/QH15 và Nghị định 24/2024/NĐ-CP",
        legal_basis: "Luật Đấu thầu số 22/2023/QH15; Nghị định 24/2024/NĐ-CP",
        valid_from: (2024, 1, 1),
        valid_to: Some((2025, 8, 3)),
        competitive_offers_max_vnd: 10 * BN,
        competitive_offers_mixed_allowed: true,
    },
    RegimeSeed {
        code: "law22_decree214",
        name: "Luật Đấu thầu 22/2023/QH15 (sửa đổi) và Nghị định 214/2025/NĐ-CP",
        legal_basis: "Luật Đấu thầu số 22/2023/QH15, sửa đổi bởi Luật 57/2024/QH15 và Luật 90/2025/QH15; Nghị định 214/2025/NĐ-CP",
        valid_from: (2025, 8, 4),
        valid_to: None,
        competitive_offers_max_vnd: 10 * BN,
        competitive_offers_mixed_allowed: true,
    },
];

struct TargetSeed {
    code: &'static str,
    name: &'static str,
    legal_basis: &'static str,
    year_from: i32,
    year_to: Option<i32>,
    min_count_percent: i32,
    min_value_percent: Option<i32>,
    domestic_only: bool,
    exclude_two_stage: bool,
    exclude_exempt: bool,
    /// (method, small_scale_only)
    methods: &'static [(&'static str, bool)],
}

const TARGETS: &[TargetSeed] = &[
    TargetSeed {
        code: "nq01_2019",
        name: "Nghị quyết 01/NQ-CP (2019)",
        legal_basis: "Nghị quyết số 01/NQ-CP ngày 01/01/2019 của Chính phủ: tối thiểu 50% số lượng các gói thầu chào hàng cạnh tranh, gói thầu quy mô nhỏ đấu thầu rộng rãi, đấu thầu hạn chế và 15% tổng giá trị các gói thầu này thực hiện lựa chọn nhà thầu qua mạng",
        year_from: 2019,
        year_to: Some(2019),
        min_count_percent: 50,
        min_value_percent: Some(15),
        domestic_only: true,
        exclude_two_stage: false,
        exclude_exempt: false,
        methods: &[
            ("competitive_offers", false),
            ("open_bidding", true),
            ("limited_bidding", true),
        ],
    },
    TargetSeed {
        code: "law22_art50_2025",
        name: "Luật Đấu thầu 22/2023 Điều 50; Nghị định 214/2025 Điều 98(10)",
        legal_basis: "Luật Đấu thầu số 22/2023/QH15 Điều 50; Nghị định 214/2025/NĐ-CP Điều 98 khoản 10: đấu thầu rộng rãi, đấu thầu hạn chế, chào hàng cạnh tranh trong nước thực hiện lựa chọn nhà thầu qua mạng, trừ gói thầu hai giai đoạn, đấu thầu quốc tế và trường hợp được miễn theo quy định",
        year_from: 2025,
        year_to: None,
        min_count_percent: 100,
        min_value_percent: None,
        domestic_only: true,
        exclude_two_stage: true,
        exclude_exempt: true,
        methods: &[
            ("open_bidding", false),
            ("limited_bidding", false),
            ("competitive_offers", false),
        ],
    },
];

fn date(ymd: (i32, u32, u32)) -> Result<NaiveDate, DbErr> {
    NaiveDate::from_ymd_opt(ymd.0, ymd.1, ymd.2)
        .ok_or_else(|| DbErr::Migration(format!("invalid seed date {ymd:?}")))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let small_goods = 10 * BN;
        let small_works = 20 * BN;
        for r in REGIMES {
            let valid_to = r.valid_to.map(date).transpose()?;
            let stmt = Query::insert()
                .into_table(Regimes::Table)
                .columns([
                    Regimes::Code,
                    Regimes::Name,
                    Regimes::LegalBasis,
                    Regimes::ValidFrom,
                    Regimes::ValidTo,
                    Regimes::SmallScaleGoodsMaxVnd,
                    Regimes::SmallScaleWorksMaxVnd,
                    Regimes::SmallScaleConsultingMaxVnd,
                    Regimes::SmallScaleNonConsultingMaxVnd,
                    Regimes::SmallScaleMixedMaxVnd,
                    Regimes::CompetitiveOffersMaxVnd,
                    Regimes::CompetitiveOffersMixedAllowed,
                ])
                .values([
                    r.code.into(),
                    r.name.into(),
                    r.legal_basis.into(),
                    date(r.valid_from)?.into(),
                    valid_to.into(),
                    Some(small_goods).into(),
                    Some(small_works).into(),
                    Option::<i64>::None.into(),
                    Some(small_goods).into(),
                    Some(small_works).into(),
                    r.competitive_offers_max_vnd.into(),
                    r.competitive_offers_mixed_allowed.into(),
                ])
                .map_err(|e| DbErr::Migration(e.to_string()))?
                .to_owned();
            manager.exec_stmt(stmt).await?;
        }

        for t in TARGETS {
            let insert = Query::insert()
                .into_table(TargetRules::Table)
                .columns([
                    TargetRules::Code,
                    TargetRules::Name,
                    TargetRules::LegalBasis,
                    TargetRules::YearFrom,
                    TargetRules::YearTo,
                    TargetRules::MinCountPercent,
                    TargetRules::MinValuePercent,
                    TargetRules::DomesticOnly,
                    TargetRules::ExcludeTwoStage,
                    TargetRules::ExcludeExempt,
                ])
                .values([
                    t.code.into(),
                    t.name.into(),
                    t.legal_basis.into(),
                    t.year_from.into(),
                    t.year_to.into(),
                    t.min_count_percent.into(),
                    t.min_value_percent.into(),
                    t.domestic_only.into(),
                    t.exclude_two_stage.into(),
                    t.exclude_exempt.into(),
                ])
                .map_err(|e| DbErr::Migration(e.to_string()))?
                .to_owned();
            manager.exec_stmt(insert).await?;

            // Read the id back by code: portable across engines, unlike RETURNING on old SQLite.
            let select = Query::select()
                .column(TargetRules::Id)
                .from(TargetRules::Table)
                .and_where(Expr::col(TargetRules::Code).eq(t.code))
                .to_owned();
            let row = db
                .query_one(&select)
                .await?
                .ok_or_else(|| DbErr::Migration(format!("target rule {} not inserted", t.code)))?;
            let rule_id: i64 = row.try_get("", "id")?;

            for (method, small_scale_only) in t.methods {
                let stmt = Query::insert()
                    .into_table(TargetRuleMethods::Table)
                    .columns([
                        TargetRuleMethods::TargetRuleId,
                        TargetRuleMethods::Method,
                        TargetRuleMethods::SmallScaleOnly,
                    ])
                    .values([rule_id.into(), (*method).into(), (*small_scale_only).into()])
                    .map_err(|e| DbErr::Migration(e.to_string()))?
                    .to_owned();
                manager.exec_stmt(stmt).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let codes: Vec<&str> = TARGETS.iter().map(|t| t.code).collect();
        manager
            .exec_stmt(
                Query::delete()
                    .from_table(TargetRules::Table)
                    .and_where(Expr::col(TargetRules::Code).is_in(codes))
                    .to_owned(),
            )
            .await?;
        let codes: Vec<&str> = REGIMES.iter().map(|r| r.code).collect();
        manager
            .exec_stmt(
                Query::delete()
                    .from_table(Regimes::Table)
                    .and_where(Expr::col(Regimes::Code).is_in(codes))
                    .to_owned(),
            )
            .await
    }
}
