//! The SQL aggregate and the Rust classifier must agree on every package: the figures a unit is
//! judged by and the reasons shown for each package come from two encodings of one rule. This
//! test stores packages spread over every method, field, procedure, exemption, status, plan year
//! and price boundary, and compares both encodings group by group.

use crate::db_test;
use crate::support::*;
use bidtrack::db;
use bidtrack::db::compliance::{Subtree, Tallies};
use bidtrack::domain::compliance::{Tally, View};
use bidtrack::domain::regime::Regimes;
use bidtrack::domain::scope::classify;
use bidtrack::domain::target::TargetScope;
use bidtrack::services::packages::facts;
use chrono::{Datelike, NaiveDate, Utc};
use entity::{Field, Method, OnlineExemptReason, PackageStatus, Procedure, UnitKind, package};
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait, NotSet};
use std::collections::HashSet;

struct Rng(bidtrack::seed::generate::Rng);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0.below(n as u64) as usize
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
    fn maybe<T: Copy>(&mut self, items: &[T]) -> Option<T> {
        if self.below(3) == 0 {
            None
        } else {
            Some(self.pick(items))
        }
    }
}

const PRICES: &[i64] = &[
    1,
    500_000_000,
    5 * BN,
    5 * BN + 1,
    10 * BN - 1,
    10 * BN,
    10 * BN + 1,
    20 * BN,
    20 * BN + 1,
    25 * BN,
    200 * BN,
];

fn scopes() -> Vec<(&'static str, TargetScope)> {
    vec![
        (
            "nq01-like",
            TargetScope {
                methods_any_size: vec![Method::CompetitiveOffers],
                methods_small_scale: vec![Method::OpenBidding, Method::LimitedBidding],
                domestic_only: true,
                exclude_two_stage: false,
                exclude_exempt: false,
                ..TargetScope::everything()
            },
        ),
        (
            "law22-like",
            TargetScope {
                methods_any_size: vec![
                    Method::OpenBidding,
                    Method::LimitedBidding,
                    Method::CompetitiveOffers,
                ],
                methods_small_scale: vec![],
                domestic_only: true,
                exclude_two_stage: true,
                exclude_exempt: true,
                ..TargetScope::everything()
            },
        ),
        (
            "everything small-scale",
            TargetScope {
                methods_any_size: vec![],
                methods_small_scale: Method::ALL.to_vec(),
                domestic_only: false,
                exclude_two_stage: true,
                exclude_exempt: false,
                ..TargetScope::everything()
            },
        ),
        (
            "nothing",
            TargetScope {
                methods_any_size: vec![],
                methods_small_scale: vec![],
                domestic_only: false,
                exclude_two_stage: false,
                exclude_exempt: false,
                ..TargetScope::everything()
            },
        ),
        (
            // 2021's first target: per-field ceilings that are not the small-scale bands
            // (consulting up to 10 bn, mixed not counted), beside a method counted whatever its
            // size.
            "ceilings",
            TargetScope {
                methods_any_size: vec![Method::LimitedBidding],
                methods_within_ceilings: vec![Method::OpenBidding, Method::CompetitiveOffers],
                ceilings: bidtrack::domain::target::PriceCeilings {
                    goods: Some(10 * BN),
                    works: Some(20 * BN),
                    consulting: Some(10 * BN),
                    non_consulting: Some(5 * BN),
                    mixed: None,
                },
                domestic_only: true,
                exclude_exempt: true,
                ..TargetScope::everything()
            },
        ),
        ("everything", TargetScope::everything()),
    ]
}

fn counted_in(p: &package::Model, year: i32, view: View) -> bool {
    match view {
        View::Plan => p.plan_year == year && p.status != PackageStatus::Cancelled,
        View::Result => {
            p.status == PackageStatus::Awarded && p.result_date.is_some_and(|d| d.year() == year)
        }
    }
}

fn classify_all(
    packages: &[package::Model],
    members: &HashSet<i64>,
    scope: &TargetScope,
    regimes: &Regimes,
    year: i32,
    view: View,
) -> Tallies {
    let mut out = Tallies::default();
    for p in packages.iter().filter(|p| counted_in(p, year, view)) {
        if !members.contains(&p.unit_id) {
            continue;
        }
        let online = view.counts_online(p.online, p.evidenced);
        let mut t = Tally {
            counted: 1,
            counted_online: i64::from(online),
            value_counted_vnd: p.package_price_vnd.into(),
            value_counted_online_vnd: if online {
                p.package_price_vnd.into()
            } else {
                0
            },
            ..Tally::default()
        };
        if classify(scope, regimes, &facts(p)).in_scope() {
            t.in_scope = 1;
            t.value_in_scope_vnd = p.package_price_vnd.into();
            if online {
                t.online = 1;
                t.value_online_vnd = p.package_price_vnd.into();
            }
        }
        *out.by_unit.entry(p.unit_id).or_default() += t;
        *out.by_method.entry(p.method).or_default() += t;
        *out.by_field.entry(p.field).or_default() += t;
    }
    out
}

async fn insert_random_packages(conn: &DatabaseConnection, units: &[i64], n: usize) {
    let mut rng = Rng(bidtrack::seed::generate::Rng::new(42));
    let now = Utc::now();
    let mut batch = Vec::with_capacity(n);
    for i in 0..n {
        let plan_year = 2013 + rng.below(15) as i32; // 2013..=2027: before Law 43 to Decree 214
        let status = rng.pick(PackageStatus::ALL);
        let result_date = (rng.below(2) == 0).then(|| {
            NaiveDate::from_ymd_opt(
                plan_year + rng.below(2) as i32,
                1 + rng.below(12) as u32,
                1 + rng.below(28) as u32,
            )
            .expect("valid date")
        });
        // A quarter only where no month is given, as the service allows; quarter III of 2025
        // starts under one regime and ends under the next.
        let planned_start_month = rng.maybe(&[1_i16, 6, 7, 8, 9, 12]);
        let planned_start_quarter = rng
            .maybe(&[1_i16, 2, 3, 4])
            .filter(|_| planned_start_month.is_none());
        batch.push(package::ActiveModel {
            id: NotSet,
            unit_id: Set(rng.pick(units)),
            name: Set(format!("random {i}")),
            plan_id: Set(None),
            // A third noticed on the national system: the result view counts only those
            // online.
            code: Set(i.is_multiple_of(3).then(|| format!("IB20{i:08}"))),
            notice_date: Set(i
                .is_multiple_of(3)
                .then(|| NaiveDate::from_ymd_opt(2020, 1, 2).expect("date"))),
            evidenced: Set(i.is_multiple_of(3)),
            plan_code: Set(None),
            plan_year: Set(plan_year),
            planned_start_month: Set(planned_start_month),
            planned_start_quarter: Set(planned_start_quarter),
            field: Set(rng.pick(Field::ALL)),
            method: Set(rng.pick(Method::ALL)),
            procedure: Set(rng.maybe(Procedure::ALL)),
            international: Set(rng.below(5) == 0),
            package_price_vnd: Set(rng.pick(PRICES)),
            funding_source: Set(None),
            contract_type: Set(None),
            online: Set(rng.below(2) == 0),
            online_exempt_reason: Set(rng
                .maybe(OnlineExemptReason::ALL)
                .filter(|_| rng.below(2) == 0)),
            status: Set(status),
            result_date: Set(result_date),
            winning_price_vnd: Set(None),
            contractor_name: Set(None),
            notes: Set(None),
            notice_version: Set(None),
            procuring_entity: Set(None),
            bid_closing_at: Set(None),
            bidder_count: Set(None),
            award_decision_no: Set(None),
            contractor_tax_code: Set(None),
            contract_duration_days: Set(None),
            cancellation_decision_no: Set(None),
            cancellation_reason: Set(None),
            version: Set(1),
            search_text: Set(format!("random {i}")),
            created_at: Set(now),
            updated_at: Set(now),
        });
    }
    for chunk in batch.chunks(200) {
        package::Entity::insert_many(chunk.to_vec())
            .exec(conn)
            .await
            .expect("insert packages");
    }
}

db_test!(
    sql_aggregate_agrees_with_the_classifier,
    |db: TestDb| async move {
        let conn = &db.conn;
        let province = add_unit(conn, "P", UnitKind::Province, None).await.id;
        let d1 = add_unit(conn, "P-D1", UnitKind::District, Some(province))
            .await
            .id;
        let d2 = add_unit(conn, "P-D2", UnitKind::District, Some(province))
            .await
            .id;
        let agency = add_unit(conn, "P-A", UnitKind::Agency, Some(province))
            .await
            .id;
        let c1 = add_unit(conn, "P-D1-C1", UnitKind::Commune, Some(d1))
            .await
            .id;
        let c2 = add_unit(conn, "P-D1-C2", UnitKind::Commune, Some(d1))
            .await
            .id;
        let c1a = add_unit(conn, "P-D1-C1-A", UnitKind::Agency, Some(c1))
            .await
            .id;
        let all = [province, d1, d2, agency, c1, c2, c1a];
        insert_random_packages(conn, &all, 1_500).await;

        let packages = package::Entity::find()
            .all(conn)
            .await
            .expect("load packages");
        let seeded = db::reference::regimes(conn).await.expect("regimes");
        // The seeded regimes share their bands, so the SQL needs no month test; with Decree 24's
        // bands changed it needs one branch per range of months, and must still agree.
        let mut changed: Vec<_> = seeded.as_slice().to_vec();
        let decree24 = changed
            .iter_mut()
            .find(|r| r.code == "law22_decree24")
            .expect("Decree 24 is seeded");
        decree24.small_scale.goods = Some(5 * BN);
        decree24.small_scale.consulting = Some(10 * BN);
        let changed = Regimes::new(changed);
        // root → the units of its subtree
        let trees: Vec<(i64, HashSet<i64>)> = vec![
            (province, HashSet::from(all)),
            (d1, HashSet::from([d1, c1, c2, c1a])),
            (c2, HashSet::from([c2])),
        ];

        let mut compared = 0;
        let mut nonzero = 0;
        for regimes in [&seeded, &changed] {
            for (name, scope) in scopes() {
                for (root, members) in &trees {
                    let subtree = Subtree::new(*root, members.iter().copied().collect());
                    for year in 2013..=2028 {
                        for view in [View::Plan, View::Result] {
                            let expected =
                                classify_all(&packages, members, &scope, regimes, year, view);
                            let actual =
                                db::compliance::tally(conn, &subtree, year, view, &scope, regimes)
                                    .await
                                    .expect("tally");
                            assert_eq!(actual, expected, "{name}, root {root}, {year}, {view}");
                            compared += 1;
                            nonzero += expected.by_unit.values().filter(|t| t.in_scope > 0).count();
                        }
                    }
                }
            }
        }
        assert_eq!(compared, 2 * 6 * 3 * 16 * 2);
        assert!(
            nonzero > 300,
            "the dataset exercises the scope: {nonzero} non-empty groups"
        );
    }
);
