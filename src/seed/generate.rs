//! `bidtrack gen`: a large, realistic, deterministic dataset for benchmarks and load tests — a
//! province with districts, communes and agencies, and packages over several plan years with
//! log-normal prices, the methods and fields in realistic proportions, about 40% online.
//! Rows are written with multi-row INSERTs in one transaction; every row satisfies the domain
//! rules (no consulting by competitive offers, winning price within the package price, …).

use crate::db;
use crate::domain::identifiers::tax_code_for;
use crate::domain::text::search_text;
use crate::error::AppError;
use chrono::{NaiveDate, Utc};
use entity::{Field, Method, PackageStatus, Procedure, UnitKind, package};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait};

/// The plan years generated packages spread over.
pub const YEARS: std::ops::RangeInclusive<i32> = 2018..=2026;

#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub packages: u64,
    pub units: u64,
    pub seed: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generated {
    pub units: u64,
    pub packages: u64,
}

/// SplitMix64: deterministic for a seed, good enough for synthetic data (demo, gen, tests).
pub struct Rng(u64);

impl Rng {
    pub const fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// Uniform in (0, 1).
    fn unit(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        let (u1, u2) = (self.unit(), self.unit());
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

const MILLION: i64 = 1_000_000;

/// A log-normal price between 20 million and 200 billion đồng, rounded to a million, with a
/// median that depends on the method (competitive offers are small, open bidding large).
fn price(rng: &mut Rng, median_million: f64, max: i64) -> i64 {
    let v = median_million * (1.1 * rng.normal()).exp();
    let millions = v.round().clamp(20.0, 200_000.0) as i64;
    (millions * MILLION).min(max)
}

struct UnitRow {
    code: String,
    name: String,
    kind: UnitKind,
    parent: Option<usize>,
}

fn unit_tree(total: u64) -> Vec<UnitRow> {
    let total = total.max(3) as usize;
    let districts = (total / 20).max(1);
    let agencies_per_district = 2;
    let communes = total.saturating_sub(1 + districts * (1 + agencies_per_district));
    let mut units = vec![UnitRow {
        code: "GEN".into(),
        name: "Tỉnh Mẫu".into(),
        kind: UnitKind::Province,
        parent: None,
    }];
    for d in 0..districts {
        let d_index = units.len();
        units.push(UnitRow {
            code: format!("GEN-D{:02}", d + 1),
            name: format!("Huyện Mẫu {}", d + 1),
            kind: UnitKind::District,
            parent: Some(0),
        });
        for a in 0..agencies_per_district {
            units.push(UnitRow {
                code: format!("GEN-D{:02}-A{}", d + 1, a + 1),
                name: format!(
                    "{} huyện Mẫu {}",
                    if a == 0 { "UBND" } else { "Ban QLDA" },
                    d + 1
                ),
                kind: UnitKind::Agency,
                parent: Some(d_index),
            });
        }
    }
    let district_indices: Vec<usize> = units
        .iter()
        .enumerate()
        .filter(|(_, u)| u.kind == UnitKind::District)
        .map(|(i, _)| i)
        .collect();
    for c in 0..communes {
        let parent = district_indices[c % district_indices.len()];
        units.push(UnitRow {
            code: format!("GEN-C{:04}", c + 1),
            name: format!("Xã Mẫu {}", c + 1),
            kind: UnitKind::Commune,
            parent: Some(parent),
        });
    }
    units
}

/// Packages written per call: they are built in memory first.
const BATCH: usize = 10_000;

pub async fn generate(db: &DatabaseConnection, spec: Spec) -> Result<Generated, AppError> {
    if package::Entity::find().count(db).await? > 0 {
        return Err(AppError::Rule {
            code: "database_not_empty",
            message: "gen fills an empty database: point DATABASE_URL at a new one".to_owned(),
        });
    }
    let txn = crate::db::begin_write(db).await?;
    let now = Utc::now();
    let tree = unit_tree(spec.units);
    let mut ids: Vec<i64> = Vec::with_capacity(tree.len());
    for u in &tree {
        let model = crate::services::units::create(
            &txn,
            &crate::services::accounts::Actor::system(),
            crate::services::units::NewUnit {
                code: u.code.clone(),
                name: u.name.clone(),
                kind: u.kind,
                parent_id: u.parent.map(|p| ids[p]),
                valid_from: None,
                valid_to: None,
            },
        )
        .await?;
        ids.push(model.id);
    }

    let mut rng = Rng(spec.seed);
    let years: Vec<i32> = YEARS.collect();
    let mut package_ids = db::packages::reserve_ids(&txn, spec.packages as usize)
        .await?
        .into_iter();
    let mut rows: Vec<package::Model> = Vec::with_capacity(BATCH);
    for n in 0..spec.packages {
        // Districts and agencies plan most packages; communes fewer each, but there are many.
        let unit = ids[1 + rng.below(ids.len() as u64 - 1) as usize];
        let year = years[rng.below(years.len() as u64) as usize];
        let field = match rng.below(100) {
            0..=34 => Field::Goods,
            35..=69 => Field::Works,
            70..=84 => Field::Consulting,
            85..=96 => Field::NonConsulting,
            _ => Field::Mixed,
        };
        let mut method = match rng.below(100) {
            0..=34 => Method::CompetitiveOffers,
            35..=59 => Method::OpenBidding,
            60..=64 => Method::LimitedBidding,
            65..=86 => Method::DirectAppointment,
            87..=91 => Method::DirectProcurement,
            92..=95 => Method::SelfPerformance,
            96..=97 => Method::CommunityParticipation,
            _ => Method::SpecialCase,
        };
        // Competitive offers are for goods, works and non-consulting (and mixed from 2024).
        if method == Method::CompetitiveOffers
            && (field == Field::Consulting || field == Field::Mixed)
        {
            method = Method::OpenBidding;
        }
        let package_price = match method {
            Method::CompetitiveOffers => price(
                &mut rng,
                900.0,
                if year >= 2024 { 10_000 } else { 5_000 } * MILLION,
            ),
            Method::OpenBidding => price(&mut rng, 6_000.0, i64::MAX),
            Method::LimitedBidding => price(&mut rng, 3_000.0, i64::MAX),
            _ => price(&mut rng, 400.0, i64::MAX),
        };
        let counted = matches!(
            method,
            Method::CompetitiveOffers | Method::OpenBidding | Method::LimitedBidding
        );
        let online = if counted {
            rng.below(100) < 55
        } else {
            rng.below(100) < 5
        };
        let month = 1 + rng.below(12) as i16;
        let status = match rng.below(100) {
            0..=1 => PackageStatus::Cancelled,
            2..=61 => PackageStatus::Awarded,
            62..=71 => PackageStatus::UnderEvaluation,
            72..=81 => PackageStatus::NoticePublished,
            _ => PackageStatus::Planned,
        };
        let awarded = status == PackageStatus::Awarded;
        let result_date = awarded.then(|| {
            let m = (month as u32 + 1 + rng.below(3) as u32).min(12);
            NaiveDate::from_ymd_opt(year, m, 1 + rng.below(28) as u32).unwrap_or_default()
        });
        let winning = awarded.then(|| package_price / 100 * (85 + rng.below(15) as i64));
        let procedure = counted.then_some(Procedure::OneStageOneEnvelope);
        let international = method == Method::OpenBidding && rng.below(200) == 0;
        let code =
            (status != PackageStatus::Planned).then(|| format!("IB{:02}{:08}", year % 100, n + 1));
        let name = format!("{} – gói {}", generic_name(field), n + 1);
        // Derived, not drawn, so the generated figures stay those the benchmarks measured.
        let notice_date = code
            .as_ref()
            .and_then(|_| NaiveDate::from_ymd_opt(year, month as u32, 1 + (n % 28) as u32));
        let id = package_ids
            .next()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("too few ids reserved")))?;
        rows.push(package::Model {
            id,
            unit_id: unit,
            // Written as typed numbers (`plan_code`), as units did before plans were records,
            // then filed as plans below the way migration 000015 files them.
            plan_id: None,
            search_text: search_text(&name, code.as_deref()),
            name,
            notice_version: code.as_ref().map(|_| (n % 2) as i16),
            evidenced: code.as_ref().is_some_and(|_| notice_date.is_some()),
            notice_date,
            bid_closing_at: notice_date
                .and_then(|d| (d + chrono::Days::new(10)).and_hms_opt(9, 0, 0)),
            procuring_entity: None,
            code,
            plan_code: Some(format!("PL{:02}{:08}", year % 100, unit)),
            plan_year: year,
            planned_start_month: Some(month),
            planned_start_quarter: None,
            field,
            method,
            procedure,
            international,
            package_price_vnd: package_price,
            funding_source: Some("Ngân sách nhà nước".to_owned()),
            contract_type: None,
            online,
            online_exempt_reason: None,
            status,
            result_date,
            winning_price_vnd: winning,
            contractor_name: awarded.then(|| "Công ty TNHH Mẫu".to_owned()),
            bidder_count: matches!(
                status,
                PackageStatus::UnderEvaluation | PackageStatus::Awarded
            )
            .then_some(1 + (n % 5) as i32),
            award_decision_no: awarded.then(|| format!("{}/QĐ-UBND", n + 1)),
            contractor_tax_code: awarded.then(|| tax_code_for(10_000_000 + n)),
            contract_duration_days: awarded.then_some(90),
            cancellation_decision_no: None,
            cancellation_reason: (status == PackageStatus::Cancelled)
                .then(|| "Không có nhà thầu tham dự".to_owned()),
            notes: None,
            version: 1,
            created_at: now,
            updated_at: now,
        });
        if rows.len() == BATCH {
            db::packages::insert_many(&txn, rows.drain(..)).await?;
        }
    }
    db::packages::insert_many(&txn, rows).await?;
    // A project per unit and a plan per unit and year, every package in its plan: the
    // province measured has the procurement record's links, not only its packages.
    migration::file_plan_codes(&txn).await?;
    classify_projects(&txn, now).await?;
    txn.commit().await?;
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        // Filing the packages into plans rewrote every row, and PostgreSQL keeps each old
        // version's space: the table came out 2.5 times its size, and every scan read the dead
        // space too (the annual summary twice as slow as on a province loaded once). VACUUM runs
        // outside a transaction, after the commit.
        db.execute_unprepared("VACUUM (FULL, ANALYZE) packages")
            .await?;
    }
    Ok(Generated {
        units: ids.len() as u64,
        packages: spec.packages,
    })
}

/// Gives the province what the official annual report splits on: the project the backfill
/// filed each unit's plans under becomes an investment project of a group (national key, A, B
/// or C, by unit, so every group has projects), and each unit gets a purchase estimate of
/// recurrent procurement with a plan per year beside its investment plan, which takes the
/// unit's goods, consulting and non-consulting packages (works and mixed stay with the
/// investment project, as in the demo).
async fn classify_projects(
    txn: &impl sea_orm::ConnectionTrait,
    now: chrono::DateTime<Utc>,
) -> Result<(), AppError> {
    use crate::db::sql::Sql;
    let backend = txn.get_database_backend();
    let investment = "Dự án đầu tư xây dựng của đơn vị";
    let recurrent = "Dự toán mua sắm thường xuyên của đơn vị";
    let mut sql = Sql::new(backend);
    sql.push(
        "UPDATE projects SET kind = 'investment_project', project_group = CASE unit_id % 20 \
              WHEN 0 THEN 'national_key' WHEN 1 THEN 'a' WHEN 2 THEN 'a' WHEN 3 THEN 'b' \
              WHEN 4 THEN 'b' WHEN 5 THEN 'b' WHEN 6 THEN 'b' ELSE 'c' END, \
              funding_kind = 'state_budget', name = ",
    )
    .bind(investment)
    .push(", search_text = ")
    .bind(search_text(investment, None))
    .push(", updated_at = ")
    .bind(now)
    .push(" WHERE kind = 'other'");
    txn.execute_raw(sql.build()).await?;
    let mut sql = Sql::new(backend);
    sql.push(
        "INSERT INTO projects (unit_id, name, kind, funding_kind, version, search_text, \
         created_at, updated_at) SELECT unit_id, ",
    )
    .bind(recurrent)
    .push(", 'recurrent_procurement', 'state_budget', 1, ")
    .bind(search_text(recurrent, None))
    .push(", ")
    .bind(now)
    .push(", ")
    .bind(now)
    .push(" FROM projects WHERE kind = 'investment_project' ORDER BY unit_id");
    txn.execute_raw(sql.build()).await?;
    let mut sql = Sql::new(backend);
    sql.push(
        "INSERT INTO selection_plans (project_id, name, year, version, created_at, updated_at) \
         SELECT r.id, 'KHLCNT mua sắm thường xuyên năm ' || CAST(s.year AS TEXT), s.year, 1, ",
    )
    .bind(now)
    .push(", ")
    .bind(now)
    .push(
        " FROM selection_plans s JOIN projects i ON i.id = s.project_id \
         JOIN projects r ON r.unit_id = i.unit_id AND r.kind = 'recurrent_procurement' \
         ORDER BY s.id",
    );
    txn.execute_raw(sql.build()).await?;
    let mut sql = Sql::new(backend);
    sql.push(
        "UPDATE packages SET plan_id = (SELECT t.id FROM selection_plans s \
         JOIN projects i ON i.id = s.project_id \
         JOIN projects r ON r.unit_id = i.unit_id AND r.kind = 'recurrent_procurement' \
         JOIN selection_plans t ON t.project_id = r.id AND t.year = s.year \
         WHERE s.id = packages.plan_id) WHERE field IN ",
    )
    .bind_list(
        [Field::Goods, Field::Consulting, Field::NonConsulting]
            .iter()
            .map(|f| f.as_str()),
    );
    txn.execute_raw(sql.build()).await?;
    Ok(())
}

fn generic_name(field: Field) -> &'static str {
    match field {
        Field::Goods => "Mua sắm trang thiết bị",
        Field::Works => "Cải tạo, sửa chữa công trình",
        Field::Consulting => "Tư vấn lập báo cáo kinh tế – kỹ thuật",
        Field::NonConsulting => "Dịch vụ vệ sinh môi trường",
        Field::Mixed => "Thiết kế, cung cấp và lắp đặt",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_province_shaped_tree() {
        let tree = unit_tree(600);
        assert_eq!(tree.len(), 600);
        let count = |k| tree.iter().filter(|u| u.kind == k).count();
        assert_eq!(
            (
                count(UnitKind::Province),
                count(UnitKind::District),
                count(UnitKind::Agency)
            ),
            (1, 30, 60)
        );
        assert_eq!(count(UnitKind::Commune), 509);
        assert!(
            tree.iter()
                .skip(1)
                .all(|u| u.parent.is_some_and(|p| p < tree.len()))
        );
    }

    #[test]
    fn prices_stay_in_band() {
        let mut rng = Rng(7);
        for _ in 0..10_000 {
            let p = price(&mut rng, 900.0, 5_000 * MILLION);
            assert!((20 * MILLION..=5_000 * MILLION).contains(&p), "{p}");
            assert_eq!(p % MILLION, 0);
        }
    }
}
