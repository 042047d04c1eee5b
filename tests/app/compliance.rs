//! The compliance check through the service, on the demo data and on hand-made trees.

use crate::db_test;
use crate::support::*;
use bidtrack::domain::compliance::View;
use bidtrack::error::AppError;
use bidtrack::seed::demo;
use bidtrack::services::compliance::{Compliance, Figures, check};
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

/// The first target in force: the only one in the years these tests use, unless they say.
fn first(c: &Compliance) -> &Figures {
    &c.targets.first().expect("a target in force").figures
}

fn share(c: &Compliance) -> Option<String> {
    first(c).share_percent.map(|p| p.to_string())
}

db_test!(worked_example_ha_dong_2019, |db: TestDb| async move {
    let conn = &db.conn;
    demo::load(conn).await.expect("demo");
    let ha_dong = unit_id(conn, demo::HA_DONG).await;

    let c = check(conn, ha_dong, 2019, View::Plan).await.expect("check");
    assert_eq!(c.targets[0].rule.code, "nq01_2019");
    assert_eq!(
        (c.overall.packages, first(&c).in_scope, first(&c).online),
        (10, 8, 4)
    );
    assert_eq!(share(&c).as_deref(), Some("50.00"));
    assert_eq!(first(&c).met, Some(true));
    assert_eq!(first(&c).shortfall, 0);
    assert_eq!(first(&c).value_in_scope_vnd, 35_850_000_000);
    assert_eq!(first(&c).value_online_vnd, 10_650_000_000);
    assert_eq!(
        first(&c)
            .value_share_percent
            .map(|p| p.to_string())
            .as_deref(),
        Some("29.70")
    );
    assert_eq!(first(&c).value_met, Some(true));

    // by method: 4 competitive offers (3 online), 3 open (1), 1 limited (0), direct appointment out
    let method = |m: Method| {
        c.by_method.iter().find(|r| r.method == m).map(|r| {
            r.targets
                .first()
                .map(|t| (t.figures.in_scope, t.figures.online))
        })
    };
    assert_eq!(method(Method::CompetitiveOffers), Some(Some((4, 3))));
    assert_eq!(method(Method::OpenBidding), Some(Some((3, 1))));
    assert_eq!(method(Method::LimitedBidding), Some(Some((1, 0))));
    // A method the target never counts has its figures and no target at all.
    assert_eq!(method(Method::DirectAppointment), Some(None));

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
    assert_eq!((first(&c).in_scope, first(&c).online), (9, 4));
    assert_eq!(share(&c).as_deref(), Some("44.44"));
    assert_eq!(first(&c).met, Some(false));
    assert_eq!(first(&c).shortfall, 1);
});

db_test!(a_unit_adds_up_its_subtree, |db: TestDb| async move {
    let conn = &db.conn;
    demo::load(conn).await.expect("demo");
    let hn = unit_id(conn, "HN").await;
    let c = check(conn, hn, 2019, View::Plan).await.expect("check");
    let sum = |f: fn(&bidtrack::services::compliance::Figures) -> i128| {
        c.by_unit
            .iter()
            .map(|u| f(&u.targets[0].figures))
            .sum::<i128>()
    };
    assert_eq!(
        c.by_unit.iter().map(|u| u.overall.packages).sum::<i64>(),
        c.overall.packages
    );
    assert_eq!(sum(|f| f.in_scope.into()), first(&c).in_scope.into());
    assert_eq!(sum(|f| f.online.into()), first(&c).online.into());
    assert_eq!(sum(|f| f.value_in_scope_vnd), first(&c).value_in_scope_vnd);
    assert_eq!(
        c.by_method
            .iter()
            .filter_map(|m| m.targets.first())
            .map(|t| t.figures.in_scope)
            .sum::<i64>(),
        first(&c).in_scope
    );
    assert_eq!(
        c.overall.packages, 292,
        "300 demo packages less the cancelled ones"
    );
    assert_eq!(
        c.by_field.iter().map(|f| f.overall.packages).sum::<i64>(),
        c.overall.packages
    );
    assert_eq!(
        c.by_field
            .iter()
            .map(|f| f.targets[0].figures.online)
            .sum::<i64>(),
        first(&c).online
    );

    // The tree of a computation: every level adds up to its parent.
    let tree = bidtrack::services::compliance::compute(conn, hn, 2019, View::Plan)
        .await
        .expect("compute");
    let rows = tree.tree(2);
    assert_eq!(rows[0].unit.code, "HN");
    assert_eq!(
        rows.len(),
        tree.units.iter().filter(|u| tree.valid_in_year(u)).count(),
        "the demo tree of 2019 (every unit that existed then) is two levels deep"
    );
    assert!(rows.iter().all(|r| r.valid));
    for row in &rows {
        let children: Vec<_> = rows
            .iter()
            .filter(|r| r.unit.parent_id == Some(row.unit.id))
            .map(|r| tree.overall_of(r.unit.id).packages)
            .collect();
        if !children.is_empty() {
            assert_eq!(
                children.iter().sum::<i64>() + tree.overall_own(row.unit.id).packages,
                tree.overall_of(row.unit.id).packages,
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
    assert_eq!(row.targets[0].figures, ha_dong.targets[0].figures);
    assert_eq!(row.overall, ha_dong.overall);
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
        .map(|u| {
            let f = &u.targets[0].figures;
            (u.code.as_str(), u.own, f.in_scope, f.online)
        })
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
        assert_eq!((c.overall.packages, first(&c).in_scope), (1, 0));
        assert_eq!(first(&c).share_percent, None);
        assert_eq!(first(&c).met, None);
        assert_eq!(first(&c).shortfall, 0);
        assert_eq!(first(&c).value_met, None);

        // 2025 onwards: the Law 22 rule, count only, no value threshold.
        let c = check(conn, unit.id, 2025, View::Plan)
            .await
            .expect("check 2025");
        assert_eq!(c.targets[0].rule.code, "law22_art50_2025");
        assert_eq!(
            (
                c.targets[0].rule.min_count_percent,
                c.targets[0].rule.min_value_percent
            ),
            (100, None)
        );
        assert_eq!((c.overall.packages, first(&c).met), (0, None));
        assert_eq!(first(&c).value_shortfall_vnd, None);
    }
);

db_test!(
    errors_for_unknown_unit_and_year_out_of_range,
    |db: TestDb| async move {
        let conn = &db.conn;
        let unit = add_unit(conn, "U", UnitKind::District, None).await;
        assert!(matches!(
            check(conn, 999_999, 2019, View::Plan).await,
            Err(AppError::NotFound { .. })
        ));
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
            // A stricter goal in place of the national target, in the district's subtree.
            replaces_code: Set(Some("nq01_2019".into())),
            source_note: Set(String::new()),
            ceiling_goods_vnd: Set(None),
            ceiling_works_vnd: Set(None),
            ceiling_consulting_vnd: Set(None),
            ceiling_non_consulting_vnd: Set(None),
            ceiling_mixed_vnd: Set(None),
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
                within_ceilings: Set(false),
            }
            .insert(conn)
            .await
            .expect("insert rule method");
        }

        let c = check(conn, ha_dong, 2019, View::Plan).await.expect("check");
        assert_eq!(c.targets[0].rule.code, "hadong_2019_60");
        assert_eq!(
            (
                first(&c).in_scope,
                first(&c).online,
                first(&c).met,
                first(&c).shortfall
            ),
            (8, 4, Some(false), 1)
        );
        let ward = unit_id(conn, "HN-HADONG-VANQUAN").await;
        assert_eq!(
            check(conn, ward, 2019, View::Plan)
                .await
                .expect("ward")
                .targets[0]
                .rule
                .code,
            "hadong_2019_60"
        );
        let hn = unit_id(conn, "HN").await;
        assert_eq!(
            check(conn, hn, 2019, View::Plan)
                .await
                .expect("city")
                .targets[0]
                .rule
                .code,
            "nq01_2019"
        );
        let hoan_kiem = unit_id(conn, "HN-HOANKIEM").await;
        assert_eq!(
            check(conn, hoan_kiem, 2019, View::Plan)
                .await
                .expect("other")
                .targets[0]
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
            p.award_decision_no = Some("1/QĐ".to_owned());
            p.contractor_name = Some("Công ty A".to_owned());
            // Selected online with its notice on the national system: evidenced.
            if online {
                p.code = Some(format!("IB{:02}{:08}", plan_year % 100, date.2));
                p.notice_date = NaiveDate::from_ymd_opt(plan_year, 1, 1);
            }
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
        // Declared online, awarded in 2019, but no notice on the national system: the result
        // view does not count it online.
        let mut declared = awarded("declared online only", 2019, (2019, 6, 1), false);
        declared.online = true;
        create(conn, declared).await;
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
                plan.overall.packages,
                first(&plan).in_scope,
                first(&plan).online
            ),
            (4, 4, 3)
        );
        let result = check(conn, unit.id, 2019, View::Result)
            .await
            .expect("result view");
        assert_eq!(
            (
                result.overall.packages,
                first(&result).in_scope,
                first(&result).online
            ),
            (3, 3, 1)
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
        cancelled.cancellation_reason = Some("Không có nhà thầu tham dự".to_owned());
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
            (c.overall.packages, first(&c).in_scope, first(&c).online),
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
        (c.overall.packages, first(&c).in_scope, first(&c).online),
        (cases.len() as i64, expected, expected)
    );
    assert_eq!(
        first(&c).value_in_scope_vnd,
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
        let online = |r: &crate::client::Response| r.json()["targets"][0]["online"].as_i64();
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

db_test!(
    a_year_without_a_rule_has_figures_and_no_verdict,
    |db: TestDb| async move {
        let conn = &db.conn;
        let unit = add_unit(conn, "Y22", UnitKind::District, None).await;
        for (name, online, price) in [("a", true, BN), ("b", false, 3 * BN), ("c", true, 2 * BN)] {
            let mut p = new_package(
                unit.id,
                name,
                Method::CompetitiveOffers,
                Field::Goods,
                price,
                online,
            );
            p.plan_year = 2022;
            create(conn, p).await;
        }
        let c = check(conn, unit.id, 2022, View::Plan)
            .await
            .expect("a year without a rule is not an error");
        assert!(c.targets.is_empty());
        let message = c
            .no_target
            .as_deref()
            .expect("says why there is no verdict");
        assert!(
            message.contains("Chưa có chỉ tiêu cho năm 2022"),
            "{message}"
        );
        assert!(!message.contains("no target"), "Vietnamese only: {message}");
        assert_eq!((c.overall.packages, c.overall.online), (3, 2));
        assert_eq!(
            c.overall.share_percent.map(|p| p.to_string()).as_deref(),
            Some("66.66")
        );
        assert_eq!(c.overall.value_vnd, i128::from(6 * BN));
        assert_eq!(
            c.overall
                .value_share_percent
                .map(|p| p.to_string())
                .as_deref(),
            Some("50.00")
        );
        let goods = c
            .by_field
            .iter()
            .find(|f| f.field == Field::Goods)
            .expect("goods");
        assert_eq!(goods.overall.packages, 3);
        assert!(goods.targets.is_empty());

        // The same through the API; the packages behind the figure, without a scope.
        let client = crate::client::Client::new(&db);
        let r = client
            .get(&format!("/api/v1/compliance?unit_id={}&year=2022", unit.id))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let body = r.json();
        assert_eq!(body["targets"], serde_json::json!([]));
        assert_eq!(body["overall"]["packages"], 3);
        assert!(
            body["no_target"]
                .as_str()
                .is_some_and(|m| m.contains("Chưa có chỉ tiêu"))
        );
        let r = client
            .get(&format!(
                "/api/v1/compliance/packages?unit_id={}&year=2022",
                unit.id
            ))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json()["total"].as_i64(), Some(3));
        assert!(r.json()["rule"].is_null());
        client
            .get(&format!(
                "/api/v1/compliance/packages?unit_id={}&year=2022&in_scope=true",
                unit.id
            ))
            .await
            .problem(422, "validation_failed");
    }
);

db_test!(
    several_targets_in_force_each_with_its_verdict,
    |db: TestDb| async move {
        let conn = &db.conn;
        let unit = add_unit(conn, "Y21", UnitKind::District, None).await;
        // 2021 as seeded: 100% of open bidding / competitive offers under per-field ceilings
        // (goods, services ≤ 10 bn, works ≤ 20 bn, mixed not counted), and ≥ 70% of the number
        // and ≥ 35% of the value of all of them.
        for (name, method, field, price, online) in [
            ("goods", Method::OpenBidding, Field::Goods, 8 * BN, true),
            (
                "consulting",
                Method::OpenBidding,
                Field::Consulting,
                9 * BN,
                false,
            ),
            ("works", Method::OpenBidding, Field::Works, 25 * BN, true),
            ("mixed", Method::OpenBidding, Field::Mixed, BN, false),
            ("direct", Method::DirectAppointment, Field::Goods, BN, false),
        ] {
            let mut p = new_package(unit.id, name, method, field, price, online);
            p.plan_year = 2021;
            create(conn, p).await;
        }
        let c = check(conn, unit.id, 2021, View::Plan).await.expect("check");
        assert!(c.no_target.is_none());
        let by_code = |code: &str| {
            c.targets
                .iter()
                .find(|t| t.rule.code == code)
                .unwrap_or_else(|| panic!("{code} in force: {:?}", c.targets))
        };
        let small = by_code("tt11_2019_2021_small");
        assert_eq!(small.rule.min_count_percent, 100);
        // goods 8 bn and consulting 9 bn are under their ceilings (consulting is never
        // small-scale, yet counted here); works 25 bn is above 20 bn; mixed has no ceiling.
        assert_eq!((small.figures.in_scope, small.figures.online), (2, 1));
        assert_eq!(
            (small.figures.met, small.figures.shortfall),
            (Some(false), 1)
        );
        let all = by_code("tt11_2019_2021_all");
        assert_eq!((all.figures.in_scope, all.figures.online), (4, 2));
        // 2 of 4 is 50% < 70%: ⌈0.7 × 4⌉ = 3 needed, one more.
        assert_eq!((all.figures.met, all.figures.shortfall), (Some(false), 1));
        // 33 of 43 bn online ≥ 35%.
        assert_eq!(all.figures.value_met, Some(true));
        assert_eq!(c.targets.len(), 2);
        assert_eq!(c.overall.packages, 5);

        // By method: direct appointment is counted by neither target.
        let direct = c
            .by_method
            .iter()
            .find(|m| m.method == Method::DirectAppointment)
            .expect("direct appointment row");
        assert!(direct.targets.is_empty());
        // By field: mixed has no ceiling in the first target, so only the second counts it.
        let mixed = c
            .by_field
            .iter()
            .find(|f| f.field == Field::Mixed)
            .expect("mixed");
        assert_eq!(
            mixed
                .targets
                .iter()
                .map(|t| t.rule.code.as_str())
                .collect::<Vec<_>>(),
            ["tt11_2019_2021_all"]
        );

        // Why a package is out: the works package is above the target's own ceiling.
        let client = crate::client::Client::new(&db);
        let r = client
            .get(&format!(
                "/api/v1/compliance/packages?unit_id={}&year=2021&target=tt11_2019_2021_small&in_scope=false",
                unit.id
            ))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let reasons: Vec<String> = r.json()["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|p| {
                format!(
                    "{}:{}",
                    p["name"].as_str().unwrap_or_default(),
                    p["scope_reason"]["code"].as_str().unwrap_or_default()
                )
            })
            .collect();
        assert!(
            reasons.contains(&"works:above_ceiling".to_owned()),
            "{reasons:?}"
        );
        assert!(
            reasons.contains(&"mixed:field_not_counted".to_owned()),
            "{reasons:?}"
        );

        // A package is in "the targets' scope" when any target in force counts it: the works
        // package above the first target's ceiling is counted by the second. The register's
        // filter and each package's own facts agree.
        let list = |q: &str| {
            let c = &client;
            let q = format!("/api/v1/packages?unit_id={}&plan_year=2021{q}", unit.id);
            async move { c.get(&q).await.json() }
        };
        let inside = list("&in_target_scope=true").await;
        assert_eq!(inside["total"], 4, "{inside}");
        let outside = list("&in_target_scope=false").await;
        assert_eq!(outside["total"], 1);
        assert_eq!(outside["items"][0]["name"], "direct");
        let works = inside["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|p| p["name"] == "works")
            .expect("works is in")
            .clone();
        assert_eq!(works["in_target_scope"], true);
        assert_eq!(works["scope_reason"]["code"], "method_counted");
        for p in inside["items"].as_array().expect("items") {
            assert_eq!(p["in_target_scope"], true, "{p}");
        }
    }
);

db_test!(
    a_childs_own_rule_is_applied_in_the_parents_breakdown,
    |db: TestDb| async move {
        let conn = &db.conn;
        demo::load(conn).await.expect("demo");
        let ha_dong = unit_id(conn, demo::HA_DONG).await;
        let hn = unit_id(conn, "HN").await;
        let client = crate::client::Client::new(&db);
        let before = check(conn, hn, 2019, View::Plan).await.expect("city");

        // The district sets itself 70% in place of the national 50%, starting from a copy of
        // the national rule as the form offers.
        let national = client.get("/api/v1/targets?per_page=100").await.json();
        let nq01 = national["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|r| r["code"] == "nq01_2019")
            .expect("nq01_2019")
            .clone();
        let r = client
            .post(
                "/api/v1/targets",
                &serde_json::json!({
                    "code": "hadong_2019_70",
                    "name": "Quận Hà Đông: 70% số gói thầu",
                    "unit_id": ha_dong,
                    "replaces_code": "nq01_2019",
                    "year_from": 2019,
                    "year_to": 2019,
                    "min_count_percent": 70,
                    "methods": nq01["methods"],
                }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);

        let own = check(conn, ha_dong, 2019, View::Plan)
            .await
            .expect("district");
        assert_eq!(
            own.targets.len(),
            1,
            "the district's rule replaces the national one"
        );
        let own_target = &own.targets[0];
        assert_eq!(own_target.rule.code, "hadong_2019_70");
        // 4 of 8 online: ⌈0.7 × 8⌉ = 6, two more.
        assert_eq!(
            (own_target.figures.met, own_target.figures.shortfall),
            (Some(false), 2)
        );

        let city = check(conn, hn, 2019, View::Plan).await.expect("city");
        let row = city
            .by_unit
            .iter()
            .find(|u| u.code == demo::HA_DONG)
            .expect("Hà Đông row");
        assert_eq!(row.targets.len(), 1);
        assert_eq!(row.targets[0].rule.code, "hadong_2019_70");
        assert_eq!(row.targets[0].figures, own_target.figures);
        // Other districts stay under the national rule, and so do the city's own totals.
        assert!(
            city.by_unit
                .iter()
                .filter(|u| u.code != demo::HA_DONG)
                .all(|u| u.targets.iter().all(|t| t.rule.code == "nq01_2019"))
        );
        assert_eq!(city.targets.len(), 1);
        assert_eq!(city.targets[0].rule.code, "nq01_2019");
        assert_eq!(city.targets[0].figures, before.targets[0].figures);

        // The API says the same.
        let r = client
            .get(&format!("/api/v1/compliance?unit_id={hn}&year=2019"))
            .await;
        let body = r.json();
        let row = body["by_unit"]
            .as_array()
            .expect("by_unit")
            .iter()
            .find(|u| u["code"] == demo::HA_DONG)
            .expect("row")
            .clone();
        assert_eq!(row["targets"][0]["rule"]["code"], "hadong_2019_70");
        assert_eq!(row["targets"][0]["rule"]["target"], "nq01_2019");
        assert_eq!(row["targets"][0]["shortfall"], 2);
    }
);
