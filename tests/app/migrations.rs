//! The migrations: seeded reference data exactly as the domain reference states it, constraints
//! that hold on both engines, and re-running being harmless.

use crate::db_test;
use crate::support::*;
use bidtrack::db;
use chrono::NaiveDate;
use entity::{Field, Method, UnitKind};
use sea_orm::{ConnectionTrait, EntityTrait, Statement};

/// How many migrations `name` and those after it are: rolling back that many undoes `name`,
/// however many migrations are added later.
fn since(name: &str) -> u32 {
    use migration::MigratorTrait;
    let all = migration::Migrator::migrations();
    let at = all
        .iter()
        .position(|m| m.name() == name)
        .unwrap_or_else(|| panic!("no migration {name}"));
    u32::try_from(all.len() - at).expect("a few migrations")
}

db_test!(seeds_regimes_and_targets, |db: TestDb| async move {
    let conn = &db.conn;
    let regimes = db::reference::regimes(conn).await.expect("regimes");
    let summary: Vec<_> = regimes
        .as_slice()
        .iter()
        .map(|r| {
            (
                r.code.as_str(),
                r.valid_from,
                r.valid_to,
                r.small_scale.max_for(Field::Goods),
                r.small_scale.max_for(Field::NonConsulting),
                r.small_scale.max_for(Field::Works),
                r.small_scale.max_for(Field::Mixed),
                r.small_scale.max_for(Field::Consulting),
                r.competitive_offers_max_vnd,
                r.competitive_offers_mixed_allowed,
            )
        })
        .collect();
    let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
    let bands = (
        Some(10 * BN),
        Some(10 * BN),
        Some(20 * BN),
        Some(20 * BN),
        None,
    );
    assert_eq!(
        summary,
        [
            (
                "law43_decree63",
                d(2014, 7, 1),
                Some(d(2023, 12, 31)),
                bands.0,
                bands.1,
                bands.2,
                bands.3,
                bands.4,
                5 * BN,
                false
            ),
            (
                "law22_decree24",
                d(2024, 1, 1),
                Some(d(2025, 8, 3)),
                bands.0,
                bands.1,
                bands.2,
                bands.3,
                bands.4,
                10 * BN,
                true
            ),
            (
                "law22_decree214",
                d(2025, 8, 4),
                None,
                bands.0,
                bands.1,
                bands.2,
                bands.3,
                bands.4,
                10 * BN,
                true
            ),
        ]
    );

    let rules = db::reference::target_rules(conn).await.expect("rules");
    // The founding rule, Law 22, and the two targets each of 2020 and 2021 (domain.md §5).
    assert_eq!(rules.len(), 6);
    let codes: Vec<&str> = rules.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "nq01_2019",
            "law22_art50_2025",
            "tt11_2019_2020_small",
            "tt11_2019_2020_all",
            "tt11_2019_2021_small",
            "tt11_2019_2021_all"
        ]
    );
    let small_2020 = &rules[2];
    assert_eq!(
        (
            small_2020.year_from,
            small_2020.year_to,
            small_2020.min_count_percent
        ),
        (2020, Some(2020), 100)
    );
    let mut within = small_2020.scope.methods_within_ceilings.clone();
    within.sort();
    assert_eq!(within, [Method::OpenBidding, Method::CompetitiveOffers]);
    assert_eq!(
        (
            small_2020.scope.ceilings.consulting,
            small_2020.scope.ceilings.works,
            small_2020.scope.ceilings.mixed
        ),
        (Some(5 * BN), Some(10 * BN), None)
    );
    let all_2021 = &rules[5];
    assert_eq!(
        (all_2021.min_count_percent, all_2021.min_value_percent),
        (70, Some(35))
    );
    let nq01 = &rules[0];
    assert_eq!(
        (
            nq01.code.as_str(),
            nq01.year_from,
            nq01.year_to,
            nq01.unit_id
        ),
        ("nq01_2019", 2019, Some(2019), None)
    );
    assert_eq!(
        (nq01.min_count_percent, nq01.min_value_percent),
        (50, Some(15))
    );
    assert_eq!(nq01.scope.methods_any_size, [Method::CompetitiveOffers]);
    let mut small = nq01.scope.methods_small_scale.clone();
    small.sort();
    assert_eq!(small, [Method::OpenBidding, Method::LimitedBidding]);
    assert!(
        nq01.scope.domestic_only && !nq01.scope.exclude_two_stage && !nq01.scope.exclude_exempt
    );

    let law22 = &rules[1];
    assert_eq!(
        (law22.code.as_str(), law22.year_from, law22.year_to),
        ("law22_art50_2025", 2025, None)
    );
    assert_eq!(
        (law22.min_count_percent, law22.min_value_percent),
        (100, None)
    );
    let mut any = law22.scope.methods_any_size.clone();
    any.sort();
    assert_eq!(
        any,
        [
            Method::OpenBidding,
            Method::LimitedBidding,
            Method::CompetitiveOffers
        ]
    );
    assert!(law22.scope.methods_small_scale.is_empty());
    assert!(
        law22.scope.domestic_only && law22.scope.exclude_two_stage && law22.scope.exclude_exempt
    );
});

db_test!(migrating_again_changes_nothing, |db: TestDb| async move {
    db::migrate(&db.conn).await.expect("second migrate");
    assert_eq!(
        db::reference::target_rules(&db.conn)
            .await
            .expect("rules")
            .len(),
        6
    );
    assert_eq!(
        db::reference::regimes(&db.conn)
            .await
            .expect("regimes")
            .as_slice()
            .len(),
        3
    );
});

db_test!(
    the_schema_rejects_impossible_rows,
    |db: TestDb| async move {
        let conn = &db.conn;
        let unit = add_unit(conn, "C", UnitKind::Commune, None).await;
        let backend = conn.get_database_backend();
        let insert = |price: i64, month: i32| {
            Statement::from_string(
                backend,
                format!(
                    "INSERT INTO packages (unit_id, name, plan_year, planned_start_month, field, method, \
                 international, package_price_vnd, online, status, version) VALUES \
                 ({}, 'x', 2019, {month}, 'goods', 'competitive_offers', FALSE, {price}, FALSE, 'planned', 1)",
                    unit.id
                ),
            )
        };
        conn.execute_raw(insert(1, 12)).await.expect("a valid row");
        assert!(conn.execute_raw(insert(0, 1)).await.is_err(), "price 0");
        assert!(
            conn.execute_raw(insert(-5, 1)).await.is_err(),
            "negative price"
        );
        assert!(conn.execute_raw(insert(1, 13)).await.is_err(), "month 13");
        assert!(conn.execute_raw(insert(1, 0)).await.is_err(), "month 0");
        let orphan = Statement::from_string(
            backend,
            "INSERT INTO packages (unit_id, name, plan_year, field, method, international, \
         package_price_vnd, online, status, version) VALUES \
         (987654, 'x', 2019, 'goods', 'competitive_offers', FALSE, 1, FALSE, 'planned', 1)",
        );
        assert!(
            conn.execute_raw(orphan).await.is_err(),
            "foreign key to units is enforced"
        );
    }
);

db_test!(
    the_index_migrations_roll_back_and_forward,
    |db: TestDb| async move {
        use migration::MigratorTrait;
        // 000005 on: the data version, the compliance index with id, the expiry indexes, the
        // targets' roadmap, the sync indexes, and whatever came after.
        migration::Migrator::down(&db.conn, Some(since("m20261126_000005_data_version")))
            .await
            .expect("roll back from the data version on");
        db::migrate(&db.conn).await.expect("apply them again");
        assert_eq!(
            db::data_version(&db.conn).await.expect("data version"),
            Some(0)
        );
    }
);

db_test!(
    instances_starting_together_migrate_once,
    |db: TestDb| async move {
        use migration::MigratorTrait;
        use sea_orm::{EntityTrait, PaginatorTrait};
        let seeded = entity::regime::Entity::find()
            .count(&db.conn)
            .await
            .expect("regimes");
        migration::Migrator::down(&db.conn, None)
            .await
            .expect("roll every migration back");
        // Three instances start at once on the empty database, each with its own pool.
        let starts: Vec<_> = (0..3)
            .map(|_| {
                let url = db.url.clone();
                tokio::spawn(async move {
                    let conn = bidtrack::db::connect(&url).await.expect("connect");
                    let done = bidtrack::db::migrate(&conn).await;
                    conn.close().await.ok();
                    done
                })
            })
            .collect();
        for s in starts {
            s.await
                .expect("task")
                .expect("every start migrates or finds nothing to do");
        }
        let applied = migration::Migrator::get_applied_migrations(&db.conn)
            .await
            .expect("applied");
        assert_eq!(applied.len(), migration::Migrator::migrations().len());
        assert!(
            migration::Migrator::get_pending_migrations(&db.conn)
                .await
                .expect("pending")
                .is_empty()
        );
        // The seeds went in once, not once per instance.
        let regimes = entity::regime::Entity::find()
            .count(&db.conn)
            .await
            .expect("regimes");
        assert_eq!(regimes, seeded);
    }
);

db_test!(
    a_units_rule_keeps_replacing_the_target_it_replaced,
    |db: TestDb| async move {
        use migration::MigratorTrait;
        let conn = &db.conn;
        let unit = add_unit(conn, "D", UnitKind::District, None).await;
        // Before targets could be several, a unit's rule replaced every rule of its year.
        // The roadmap (000009) and every migration after it.
        migration::Migrator::down(conn, Some(since("m20261206_000009_target_roadmap")))
            .await
            .expect("roll back the roadmap");
        conn.execute_raw(Statement::from_string(
            conn.get_database_backend(),
            format!(
                "INSERT INTO target_rules (code, name, legal_basis, unit_id, year_from, year_to, \
                 min_count_percent, min_value_percent, domestic_only, exclude_two_stage, \
                 exclude_exempt) VALUES ('d_2019', 'D 60%', '', {}, 2019, 2019, 60, NULL, TRUE, \
                 FALSE, FALSE)",
                unit.id
            ),
        ))
        .await
        .expect("a unit's rule of the old kind");
        db::migrate(conn).await.expect("migrate again");
        let rules = db::reference::target_rules(conn).await.expect("rules");
        let d = rules.iter().find(|r| r.code == "d_2019").expect("kept");
        assert_eq!(d.replaces_code.as_deref(), Some("nq01_2019"));
        let in_force = bidtrack::domain::target::in_force(&rules, 2019, &[unit.id]);
        assert_eq!(
            in_force.iter().map(|r| r.code.as_str()).collect::<Vec<_>>(),
            ["d_2019"],
            "still the only target for the unit's subtree in 2019"
        );
    }
);

db_test!(
    stored_notice_codes_lose_their_version_suffix_unless_two_packages_share_a_notice,
    |db: TestDb| async move {
        use migration::MigratorTrait;
        let conn = &db.conn;
        let unit = add_unit(conn, "D", UnitKind::District, None).await;
        migration::Migrator::down(conn, Some(since("m20261209_000014_package_record")))
            .await
            .expect("roll back the package record");
        for (name, code) in [
            ("one version", "IB1800012345-01"),
            ("first of two", "IB1800054321-00"),
            ("second of two", "IB1800054321-01"),
            ("older numbering", "20150812345-00"),
            ("bare", "IB1800099999"),
            ("bare code taken", "IB1800099999-02"),
        ] {
            conn.execute_raw(Statement::from_string(
                conn.get_database_backend(),
                format!(
                    "INSERT INTO packages (unit_id, name, code, plan_year, field, method, \
                     international, package_price_vnd, online, status, version, search_text, \
                     created_at, updated_at) VALUES ({}, '{name}', '{code}', 2018, 'goods', \
                     'open_bidding', FALSE, 1000, TRUE, 'planned', 1, '{name}', \
                     '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00')",
                    unit.id
                ),
            ))
            .await
            .expect("a package of the old kind");
        }
        db::migrate(conn).await.expect("migrate again");
        let mut stored: Vec<(String, Option<String>, Option<i16>)> =
            entity::package::Entity::find()
                .all(conn)
                .await
                .expect("packages")
                .into_iter()
                .map(|p| (p.name, p.code, p.notice_version))
                .collect();
        stored.sort();
        let some = |s: &str| Some(s.to_owned());
        assert_eq!(
            stored,
            [
                ("bare".to_owned(), some("IB1800099999"), None),
                ("bare code taken".to_owned(), some("IB1800099999-02"), None),
                ("first of two".to_owned(), some("IB1800054321-00"), None),
                ("older numbering".to_owned(), some("20150812345-00"), None),
                ("one version".to_owned(), some("IB1800012345"), Some(1)),
                ("second of two".to_owned(), some("IB1800054321-01"), None),
            ]
        );
    }
);
