//! The compliance check through the service, on the demo data and on hand-made trees.

use crate::db_test;
use crate::support::*;
use bidtrack::domain::compliance::View;
use bidtrack::error::AppError;
use bidtrack::services::compliance::{Compliance, check};
use bidtrack::services::demo;
use chrono::{NaiveDate, Utc};
use entity::{Field, Method, PackageStatus, UnitKind, target_rule, target_rule_method};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection, NotSet};

async fn unit_id(db: &DatabaseConnection, code: &str) -> i64 {
    bidtrack::db::units::find_by_code(db, code)
        .await
        .expect("query")
        .expect("unit exists")
        .id
}

fn share(c: &Compliance) -> Option<String> {
    c.figures.share_percent.map(|p| p.to_string())
}

db_test!(worked_example_ha_dong_2019, |db: TestDb| async move {
    let conn = &db.conn;
    demo::load(conn).await.expect("demo");
    let ha_dong = unit_id(conn, demo::HA_DONG).await;

    let c = check(conn, ha_dong, 2019, View::Plan).await.expect("check");
    assert_eq!(c.rule.code, "nq01_2019");
    assert_eq!(
        (c.figures.counted, c.figures.in_scope, c.figures.online),
        (10, 8, 4)
    );
    assert_eq!(share(&c).as_deref(), Some("50.00"));
    assert_eq!(c.figures.met, Some(true));
    assert_eq!(c.figures.shortfall, 0);
    assert_eq!(c.figures.value_in_scope_vnd, 35_850_000_000);
    assert_eq!(c.figures.value_online_vnd, 10_650_000_000);
    assert_eq!(
        c.figures
            .value_share_percent
            .map(|p| p.to_string())
            .as_deref(),
        Some("29.70")
    );
    assert_eq!(c.figures.value_met, Some(true));

    // by method: 4 competitive offers (3 online), 3 open (1), 1 limited (0), direct appointment out
    let method = |m: Method| {
        c.by_method
            .iter()
            .find(|r| r.method == m)
            .map(|r| (r.figures.in_scope, r.figures.online))
    };
    assert_eq!(method(Method::CompetitiveOffers), Some((4, 3)));
    assert_eq!(method(Method::OpenBidding), Some((3, 1)));
    assert_eq!(method(Method::LimitedBidding), Some((1, 0)));
    assert_eq!(method(Method::DirectAppointment), Some((0, 0)));

    // Add one offline competitive offer: 4/9 = 44.44%, not met, one more package needed.
    let ubnd = unit_id(conn, "HN-HADONG-UBND").await;
    create(
        conn,
        new_package(
            ubnd,
            "Mua sắm máy phát điện dự phòng",
            Method::CompetitiveOffers,
            Field::Goods,
            700_000_000,
            false,
        ),
    )
    .await;
    let c = check(conn, ha_dong, 2019, View::Plan).await.expect("check");
    assert_eq!((c.figures.in_scope, c.figures.online), (9, 4));
    assert_eq!(share(&c).as_deref(), Some("44.44"));
    assert_eq!(c.figures.met, Some(false));
    assert_eq!(c.figures.shortfall, 1);
});

db_test!(a_unit_adds_up_its_subtree, |db: TestDb| async move {
    let conn = &db.conn;
    demo::load(conn).await.expect("demo");
    let hn = unit_id(conn, "HN").await;
    let c = check(conn, hn, 2019, View::Plan).await.expect("check");
    let sum = |f: fn(&bidtrack::services::compliance::Figures) -> i128| {
        c.by_unit.iter().map(|u| f(&u.figures)).sum::<i128>()
    };
    assert_eq!(sum(|f| f.counted.into()), c.figures.counted.into());
    assert_eq!(sum(|f| f.in_scope.into()), c.figures.in_scope.into());
    assert_eq!(sum(|f| f.online.into()), c.figures.online.into());
    assert_eq!(sum(|f| f.value_in_scope_vnd), c.figures.value_in_scope_vnd);
    assert_eq!(
        c.by_method.iter().map(|m| m.figures.in_scope).sum::<i64>(),
        c.figures.in_scope
    );
    assert_eq!(
        c.figures.counted, 292,
        "300 demo packages less the cancelled ones"
    );
    assert_eq!(
        c.by_field.iter().map(|f| f.figures.counted).sum::<i64>(),
        c.figures.counted
    );
    assert_eq!(
        c.by_field.iter().map(|f| f.figures.online).sum::<i64>(),
        c.figures.online
    );

    // The tree of a computation: every level adds up to its parent.
    let tree = bidtrack::services::compliance::compute(conn, hn, 2019, View::Plan)
        .await
        .expect("compute");
    let rows = tree.tree(2);
    assert_eq!(rows[0].unit.code, "HN");
    assert_eq!(
        rows.len(),
        tree.units.len(),
        "the demo tree is two levels deep"
    );
    for row in &rows {
        let children: Vec<_> = rows
            .iter()
            .filter(|r| r.unit.parent_id == Some(row.unit.id))
            .map(|r| r.tally.counted)
            .collect();
        if !children.is_empty() {
            assert_eq!(
                children.iter().sum::<i64>() + tree.own(row.unit.id).counted,
                row.tally.counted,
                "{}",
                row.unit.code
            );
        }
    }
    assert_eq!(tree.tree(0).len(), 1);
    assert!(tree.tree(1).iter().all(|r| r.depth <= 1));

    // The district's row in the city's breakdown is the district's own check.
    let row = c
        .by_unit
        .iter()
        .find(|u| u.code == demo::HA_DONG)
        .expect("Hà Đông row");
    let ha_dong = check(conn, row.unit_id, 2019, View::Plan)
        .await
        .expect("check");
    assert_eq!(row.figures, ha_dong.figures);
    assert!(!row.own);
    // The city has no packages of its own: no "own" row.
    assert!(c.by_unit.iter().all(|u| !u.own));
});

db_test!(own_packages_get_their_own_row, |db: TestDb| async move {
    let conn = &db.conn;
    let district = add_unit(conn, "D", UnitKind::District, None).await;
    let commune = add_unit(conn, "D-C", UnitKind::Commune, Some(district.id)).await;
    create(
        conn,
        new_package(
            district.id,
            "a",
            Method::CompetitiveOffers,
            Field::Goods,
            BN,
            true,
        ),
    )
    .await;
    create(
        conn,
        new_package(
            commune.id,
            "b",
            Method::CompetitiveOffers,
            Field::Goods,
            BN,
            false,
        ),
    )
    .await;
    let c = check(conn, district.id, 2019, View::Plan)
        .await
        .expect("check");
    let rows: Vec<_> = c
        .by_unit
        .iter()
        .map(|u| (u.code.as_str(), u.own, u.figures.in_scope, u.figures.online))
        .collect();
    assert_eq!(rows, [("D", true, 1, 1), ("D-C", false, 1, 0)]);
    assert_eq!(share(&c).as_deref(), Some("50.00"));
});

db_test!(
    nothing_in_scope_is_neither_met_nor_failed,
    |db: TestDb| async move {
        let conn = &db.conn;
        let unit = add_unit(conn, "EMPTY", UnitKind::District, None).await;
        create(
            conn,
            new_package(
                unit.id,
                "direct",
                Method::DirectAppointment,
                Field::Goods,
                BN,
                false,
            ),
        )
        .await;
        let c = check(conn, unit.id, 2019, View::Plan).await.expect("check");
        assert_eq!((c.figures.counted, c.figures.in_scope), (1, 0));
        assert_eq!(c.figures.share_percent, None);
        assert_eq!(c.figures.met, None);
        assert_eq!(c.figures.shortfall, 0);
        assert_eq!(c.figures.value_met, None);

        // 2025 onwards: the Law 22 rule, count only, no value threshold.
        let c = check(conn, unit.id, 2025, View::Plan)
            .await
            .expect("check 2025");
        assert_eq!(c.rule.code, "law22_art50_2025");
        assert_eq!(
            (c.rule.min_count_percent, c.rule.min_value_percent),
            (100, None)
        );
        assert_eq!((c.figures.counted, c.figures.met), (0, None));
        assert_eq!(c.figures.value_shortfall_vnd, None);
    }
);

db_test!(
    errors_for_unknown_unit_and_uncovered_year,
    |db: TestDb| async move {
        let conn = &db.conn;
        let unit = add_unit(conn, "U", UnitKind::District, None).await;
        assert!(matches!(
            check(conn, 999_999, 2019, View::Plan).await,
            Err(AppError::NotFound { .. })
        ));
        let err = check(conn, unit.id, 2020, View::Plan)
            .await
            .expect_err("no rule for 2020");
        assert_eq!(err.code(), "no_target_rule");
        let err = check(conn, unit.id, 1999, View::Plan)
            .await
            .expect_err("year out of range");
        assert!(matches!(err, AppError::Validation(ref e) if e[0].field == "year"));
    }
);

db_test!(
    a_unit_rule_beats_the_national_one_in_its_subtree,
    |db: TestDb| async move {
        let conn = &db.conn;
        demo::load(conn).await.expect("demo");
        let ha_dong = unit_id(conn, demo::HA_DONG).await;
        let now = Utc::now();
        let rule = target_rule::ActiveModel {
            id: NotSet,
            code: Set("hadong_2019_60".into()),
            name: Set("Quận Hà Đông tự đặt 60%".into()),
            legal_basis: Set("Kế hoạch của UBND quận".into()),
            unit_id: Set(Some(ha_dong)),
            year_from: Set(2019),
            year_to: Set(Some(2019)),
            min_count_percent: Set(60),
            min_value_percent: Set(None),
            domestic_only: Set(true),
            exclude_two_stage: Set(false),
            exclude_exempt: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(conn)
        .await
        .expect("insert rule");
        for (method, small) in [
            (Method::CompetitiveOffers, false),
            (Method::OpenBidding, true),
            (Method::LimitedBidding, true),
        ] {
            target_rule_method::ActiveModel {
                id: NotSet,
                target_rule_id: Set(rule.id),
                method: Set(method),
                small_scale_only: Set(small),
            }
            .insert(conn)
            .await
            .expect("insert rule method");
        }

        let c = check(conn, ha_dong, 2019, View::Plan).await.expect("check");
        assert_eq!(c.rule.code, "hadong_2019_60");
        assert_eq!(
            (
                c.figures.in_scope,
                c.figures.online,
                c.figures.met,
                c.figures.shortfall
            ),
            (8, 4, Some(false), 1)
        );
        let ward = unit_id(conn, "HN-HADONG-VANQUAN").await;
        assert_eq!(
            check(conn, ward, 2019, View::Plan)
                .await
                .expect("ward")
                .rule
                .code,
            "hadong_2019_60"
        );
        let hn = unit_id(conn, "HN").await;
        assert_eq!(
            check(conn, hn, 2019, View::Plan)
                .await
                .expect("city")
                .rule
                .code,
            "nq01_2019"
        );
        let hoan_kiem = unit_id(conn, "HN-HOANKIEM").await;
        assert_eq!(
            check(conn, hoan_kiem, 2019, View::Plan)
                .await
                .expect("other")
                .rule
                .code,
            "nq01_2019"
        );
    }
);

db_test!(
    result_view_counts_awards_by_result_year,
    |db: TestDb| async move {
        let conn = &db.conn;
        let unit = add_unit(conn, "R", UnitKind::District, None).await;
        let awarded = |name: &str, plan_year: i32, date: (i32, u32, u32), online: bool| {
            let mut p = new_package(
                unit.id,
                name,
                Method::CompetitiveOffers,
                Field::Goods,
                BN,
                online,
            );
            p.plan_year = plan_year;
            p.status = PackageStatus::Awarded;
            p.result_date = NaiveDate::from_ymd_opt(date.0, date.1, date.2);
            p.winning_price_vnd = Some(BN - 1);
            p
        };
        create(
            conn,
            awarded("planned 2018, awarded 2019", 2018, (2019, 1, 1), true),
        )
        .await;
        create(
            conn,
            awarded("planned 2019, awarded 2019", 2019, (2019, 12, 31), false),
        )
        .await;
        create(
            conn,
            awarded("planned 2019, awarded 2020", 2019, (2020, 1, 1), true),
        )
        .await;
        create(
            conn,
            new_package(
                unit.id,
                "planned 2019, not awarded",
                Method::CompetitiveOffers,
                Field::Goods,
                BN,
                true,
            ),
        )
        .await;

        let plan = check(conn, unit.id, 2019, View::Plan)
            .await
            .expect("plan view");
        assert_eq!(
            (
                plan.figures.counted,
                plan.figures.in_scope,
                plan.figures.online
            ),
            (3, 3, 2)
        );
        let result = check(conn, unit.id, 2019, View::Result)
            .await
            .expect("result view");
        assert_eq!(
            (
                result.figures.counted,
                result.figures.in_scope,
                result.figures.online
            ),
            (2, 2, 1)
        );
        assert_eq!(result.view, View::Result);
    }
);

db_test!(
    cancelled_and_international_packages,
    |db: TestDb| async move {
        let conn = &db.conn;
        let unit = add_unit(conn, "X", UnitKind::District, None).await;
        let mut cancelled = new_package(
            unit.id,
            "cancelled",
            Method::CompetitiveOffers,
            Field::Goods,
            BN,
            false,
        );
        cancelled.status = PackageStatus::Cancelled;
        create(conn, cancelled).await;
        let mut international = new_package(
            unit.id,
            "international",
            Method::CompetitiveOffers,
            Field::Goods,
            BN,
            false,
        );
        international.international = true;
        create(conn, international).await;
        create(
            conn,
            new_package(
                unit.id,
                "counted",
                Method::CompetitiveOffers,
                Field::Goods,
                BN,
                true,
            ),
        )
        .await;
        let c = check(conn, unit.id, 2019, View::Plan).await.expect("check");
        assert_eq!(
            (c.figures.counted, c.figures.in_scope, c.figures.online),
            (2, 1, 1)
        );
    }
);

db_test!(small_scale_boundaries_in_sql, |db: TestDb| async move {
    let conn = &db.conn;
    let unit = add_unit(conn, "S", UnitKind::District, None).await;
    let cases = [
        ("goods at 10 bn", Field::Goods, 10 * BN, true),
        ("goods one đồng over", Field::Goods, 10 * BN + 1, false),
        (
            "non-consulting at 10 bn",
            Field::NonConsulting,
            10 * BN,
            true,
        ),
        ("works at 20 bn", Field::Works, 20 * BN, true),
        ("works one đồng over", Field::Works, 20 * BN + 1, false),
        ("mixed at 20 bn", Field::Mixed, 20 * BN, true),
        ("consulting, tiny", Field::Consulting, 1, false),
    ];
    for (name, field, price, _) in cases {
        create(
            conn,
            new_package(unit.id, name, Method::OpenBidding, field, price, true),
        )
        .await;
    }
    let expected = cases.iter().filter(|c| c.3).count() as i64;
    let c = check(conn, unit.id, 2019, View::Plan).await.expect("check");
    assert_eq!(
        (c.figures.counted, c.figures.in_scope, c.figures.online),
        (cases.len() as i64, expected, expected)
    );
    assert_eq!(
        c.figures.value_in_scope_vnd,
        i128::from(10 * BN + 10 * BN + 20 * BN + 20 * BN)
    );
});

db_test!(
    figures_follow_a_write_made_on_another_instance,
    |db: TestDb| async move {
        demo::load(&db.conn).await.expect("demo");
        let ha_dong = unit_id(&db.conn, demo::HA_DONG).await;
        let here = crate::client::Client::new(&db);
        let there = crate::client::Client::on_another_instance(&db);
        let uri = format!("/api/v1/compliance?unit_id={ha_dong}&year=2019");
        let online = |r: &crate::client::Response| r.json()["online"].as_i64();
        // Asked twice, so the second answer comes from this instance's memory.
        let first = here.get(&uri).await;
        assert_eq!(first.status, 200);
        assert_eq!(online(&first), Some(4));
        assert_eq!(online(&here.get(&uri).await), Some(4));

        // The other instance switches an in-scope package online.
        let candidates = there
            .get(&format!(
                "/api/v1/compliance/packages?unit_id={ha_dong}&year=2019&in_scope=true&online=false"
            ))
            .await;
        assert_eq!(candidates.status, 200);
        let id = candidates.json()["items"][0]["id"]
            .as_i64()
            .expect("an in-scope package not online");
        let current = there.get(&format!("/api/v1/packages/{id}")).await;
        let etag = current.header("etag").expect("etag").to_owned();
        let changed = there
            .patch(
                &format!("/api/v1/packages/{id}"),
                &serde_json::json!({"online": true}),
                Some(&etag),
            )
            .await;
        assert_eq!(changed.status, 200, "{}", changed.json());

        // This instance never saw the write go by, and still answers with the new figures.
        assert_eq!(online(&here.get(&uri).await), Some(5));
    }
);
