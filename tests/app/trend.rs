//! Units through the 2025 reorganisation: the tree of a year, a unit's comparable history
//! through its successions, and the trend (API, cache, CSV, XLSX, pages), on the demo data.

use crate::client::Client;
use crate::db_test;
use crate::reports::{number, sheet_named, text};
use crate::support::*;
use bidtrack::domain::compliance::View;
use bidtrack::seed::demo;
use bidtrack::services::compliance::{self, Computation, Overall, TargetFigures};
use bidtrack::services::trend::{self, Trend, TrendRequest};
use chrono::NaiveDate;
use entity::{Field, Method, UnitKind};
use scraper::{Html, Selector};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection, IntoActiveModel};
use serde_json::Value;

async fn id_of(db: &DatabaseConnection, code: &str) -> i64 {
    bidtrack::db::units::find_by_code(db, code)
        .await
        .expect("query")
        .unwrap_or_else(|| panic!("unit {code}"))
        .id
}

fn child_codes(c: &Computation) -> Vec<String> {
    c.children(c.root.id).map(|u| u.code.clone()).collect()
}

/// The figures a comparison needs, as plain numbers (targets by rule id).
fn figures(o: &Overall, targets: &[TargetFigures]) -> (Vec<i128>, Vec<(i64, Vec<i128>)>) {
    let overall = vec![
        o.packages.into(),
        o.online.into(),
        o.value_vnd,
        o.value_online_vnd,
    ];
    let targets = targets
        .iter()
        .map(|t| {
            let f = &t.figures;
            (
                t.rule.id,
                vec![
                    f.in_scope.into(),
                    f.online.into(),
                    f.value_in_scope_vnd,
                    f.value_online_vnd,
                ],
            )
        })
        .collect();
    (overall, targets)
}

fn add(a: &mut (Vec<i128>, Vec<(i64, Vec<i128>)>), b: &(Vec<i128>, Vec<(i64, Vec<i128>)>)) {
    for (x, y) in a.0.iter_mut().zip(&b.0) {
        *x += y;
    }
    for (rule, values) in &b.1 {
        match a.1.iter_mut().find(|(r, _)| r == rule) {
            Some((_, mine)) => {
                for (x, y) in mine.iter_mut().zip(values) {
                    *x += y;
                }
            }
            None => a.1.push((*rule, values.clone())),
        }
    }
}

/// The root's figures as the sum of its own packages and its listed children's subtrees.
fn sum_of_listed(c: &Computation) -> (Vec<i128>, Vec<(i64, Vec<i128>)>) {
    let mut sum = figures(&c.overall_own(c.root.id), &c.targets_own());
    for child in c.children(c.root.id) {
        add(
            &mut sum,
            &figures(&c.overall_of(child.id), &c.targets_of(child.id)),
        );
    }
    sum
}

async fn trend_of(db: &TestDb, code: &str, from: i32, to: i32, comparable: bool) -> Trend {
    trend::trend(
        &db.conn,
        TrendRequest {
            unit_id: id_of(&db.conn, code).await,
            from,
            to,
            view: View::Plan,
            comparable,
        },
    )
    .await
    .expect("trend")
}

fn year(t: &Trend, y: i32) -> &trend::TrendYear {
    t.years.iter().find(|x| x.year == y).expect("the year")
}

db_test!(the_trees_of_2019_and_2026, |db: TestDb| async move {
    let conn = &db.conn;
    demo::load(conn).await.expect("demo");
    let hn = id_of(conn, "HN").await;

    let old = compliance::compute(conn, hn, 2019, View::Plan)
        .await
        .expect("2019");
    assert_eq!(
        child_codes(&old),
        [
            "HN-HADONG",
            "HN-HOANKIEM",
            "HN-PHUCTHO",
            "HN-SGDDT",
            "HN-SKHDT"
        ]
    );
    let new = compliance::compute(conn, hn, 2026, View::Plan)
        .await
        .expect("2026");
    assert_eq!(
        child_codes(&new),
        [
            "HN-BQLDA-KVHADONG",
            "HN-P-HADONG",
            "HN-P-HOANKIEM",
            "HN-P-KIENHUNG",
            "HN-SGDDT",
            "HN-SKHDT",
            "HN-X-HATMON",
            "HN-X-PHUCTHO"
        ]
    );
    // 2025 had both: the districts until 30 June, the new units from 1 July.
    let both = compliance::compute(conn, hn, 2025, View::Plan)
        .await
        .expect("2025");
    assert_eq!(child_codes(&both).len(), 11);
    assert!(both.tree(1).iter().all(|r| r.valid));

    // The API lists the same children, and the demo's 2019 figures are those of the worked
    // example still.
    let api = compliance::check(conn, hn, 2026, View::Plan)
        .await
        .expect("check");
    let listed: Vec<&str> = api.by_unit.iter().map(|u| u.code.as_str()).collect();
    assert_eq!(listed, child_codes(&new));
    let ha_dong = compliance::check(conn, id_of(conn, demo::HA_DONG).await, 2019, View::Plan)
        .await
        .expect("Hà Đông");
    let f = &ha_dong.targets[0].figures;
    assert_eq!((f.in_scope, f.online), (8, 4));
    assert_eq!(
        f.share_percent.map(|p| p.to_string()).as_deref(),
        Some("50.00")
    );
});

db_test!(
    the_city_total_does_not_depend_on_the_drawing,
    |db: TestDb| async move {
        let conn = &db.conn;
        demo::load(conn).await.expect("demo");
        let hn = id_of(conn, "HN").await;
        let mut totals = Vec::new();
        for y in [2019, 2024, 2025, 2026] {
            let c = compliance::compute(conn, hn, y, View::Plan)
                .await
                .expect("compute");
            let whole = figures(&c.overall(), &c.targets());
            assert!(whole.0[0] > 0, "{y} has packages");
            assert_eq!(sum_of_listed(&c), whole, "{y}: the listed children add up");
            totals.push(whole);
        }

        // Bad data: a ward ended before a year it holds packages of. It is listed in that
        // year, marked, and the city's total is unchanged.
        let ward = id_of(conn, "HN-HOANKIEM-HANGBAC").await;
        let before = compliance::compute(conn, hn, 2024, View::Plan)
            .await
            .expect("compute");
        let mut closed = bidtrack::db::units::find(conn, ward)
            .await
            .expect("q")
            .expect("ward")
            .into_active_model();
        closed.valid_to = Set(NaiveDate::from_ymd_opt(2023, 12, 31));
        closed.update(conn).await.expect("end the ward early");
        let district = id_of(conn, "HN-HOANKIEM").await;
        let c = compliance::compute(conn, district, 2024, View::Plan)
            .await
            .expect("compute");
        let row = c
            .tree(1)
            .into_iter()
            .find(|r| r.unit.id == ward)
            .expect("the ward is still listed");
        assert!(!row.valid, "and marked");
        assert_eq!(sum_of_listed(&c), figures(&c.overall(), &c.targets()));
        let after = compliance::compute(conn, hn, 2024, View::Plan)
            .await
            .expect("compute");
        assert_eq!(
            figures(&after.overall(), &after.targets()),
            figures(&before.overall(), &before.targets())
        );
        let check = compliance::check(conn, district, 2024, View::Plan)
            .await
            .expect("check");
        assert!(check.by_unit.iter().any(|u| u.unit_id == ward && !u.valid));
        // The report marks it too.
        let table = &bidtrack::reports::compliance::tables(&c, 1, chrono::Utc::now())[0];
        assert!(table.rows.iter().any(|r| {
            r.cells[1]
                .plain()
                .ends_with(bidtrack::reports::compliance::NOT_VALID_MARK)
        }));
        // A unit of the tree without packages in a year it did not exist in is not listed.
        let c = compliance::compute(conn, hn, 2019, View::Plan)
            .await
            .expect("compute");
        assert!(!child_codes(&c).contains(&"HN-P-HADONG".to_owned()));
        assert_eq!(totals.len(), 4);
    }
);

db_test!(
    a_merged_unit_counts_its_predecessors_exactly,
    |db: TestDb| async move {
        let conn = &db.conn;
        demo::load(conn).await.expect("demo");

        // Hoàn Kiếm passed whole to one ward: before 2025 the ward's comparable history is the
        // district's own figures, every one of them.
        let t = trend_of(&db, "HN-P-HOANKIEM", 2019, 2026, true).await;
        assert_eq!(t.label, "Phường Hoàn Kiếm và các đơn vị tiền nhiệm");
        assert_eq!(
            t.predecessors.len(),
            7,
            "the district, its agencies and wards"
        );
        assert!(t.divided.is_empty());
        let district = id_of(conn, "HN-HOANKIEM").await;
        let ward = id_of(conn, "HN-P-HOANKIEM").await;
        for y in 2019..=2024 {
            let c = compliance::check(conn, district, y, View::Plan)
                .await
                .expect("check");
            let mine = year(&t, y);
            assert_eq!(
                figures(&mine.overall, &mine.targets),
                figures(&c.overall, &c.targets),
                "{y}"
            );
        }
        // 2025: the district's first half and the ward's second half, added.
        let mut both = {
            let c = compliance::check(conn, district, 2025, View::Plan)
                .await
                .expect("check");
            figures(&c.overall, &c.targets)
        };
        let c = compliance::check(conn, ward, 2025, View::Plan)
            .await
            .expect("check");
        add(&mut both, &figures(&c.overall, &c.targets));
        let mine = year(&t, 2025);
        assert_eq!(figures(&mine.overall, &mine.targets), both);

        // Phường Hà Đông took two wards whole: 2019 is exactly their sum.
        let t = trend_of(&db, "HN-P-HADONG", 2019, 2026, true).await;
        let mut sum = (vec![0; 4], Vec::new());
        for code in ["HN-HADONG-VANQUAN", "HN-HADONG-MOLAO"] {
            let c = compliance::check(conn, id_of(conn, code).await, 2019, View::Plan)
                .await
                .expect("check");
            add(&mut sum, &figures(&c.overall, &c.targets));
        }
        let mine = year(&t, 2019);
        assert_eq!(figures(&mine.overall, &mine.targets), sum);
        assert_eq!(mine.overall.packages, 2);

        // Without `comparable`, the ward has no history before it existed.
        let alone = trend_of(&db, "HN-P-HADONG", 2019, 2026, false).await;
        assert_eq!(year(&alone, 2019).overall.packages, 0);
        assert!(alone.predecessors.is_empty() && alone.divided.is_empty());
        assert_eq!(
            figures(&year(&alone, 2026).overall, &year(&alone, 2026).targets),
            figures(&year(&t, 2026).overall, &year(&t, 2026).targets)
        );
    }
);

db_test!(
    a_split_unit_is_shown_apart_not_divided,
    |db: TestDb| async move {
        let conn = &db.conn;
        demo::load(conn).await.expect("demo");
        let t = trend_of(&db, "HN-P-HADONG", 2019, 2026, true).await;
        let names: Vec<&str> = t.divided.iter().map(|d| d.unit.name.as_str()).collect();
        assert_eq!(names, ["Quận Hà Đông", "UBND quận Hà Đông"]);
        assert_eq!(
            t.divided[0].label,
            "Quận Hà Đông (đã chia tách cho: Phường Hà Đông, Phường Kiến Hưng)"
        );
        // Nothing lost, nothing counted twice: the ward's 2019 figures and the two divided
        // lines make up the old district's.
        let district = compliance::check(conn, id_of(conn, demo::HA_DONG).await, 2019, View::Plan)
            .await
            .expect("check");
        let mut sum = figures(&year(&t, 2019).overall, &year(&t, 2019).targets);
        for d in &t.divided {
            let y = d.years.iter().find(|y| y.year == 2019).expect("2019");
            add(&mut sum, &figures(&y.overall, &y.targets));
        }
        assert_eq!(sum, figures(&district.overall, &district.targets));

        // The other successor sees the same two units divided and takes nothing of them: its
        // own 2019 is empty, and the divided lines (the wards are not its predecessors, so
        // they stay in the district's line) make up the whole district.
        let other = trend_of(&db, "HN-P-KIENHUNG", 2019, 2026, true).await;
        assert!(other.predecessors.is_empty());
        assert_eq!(other.label, "Phường Kiến Hưng");
        let ids = |t: &Trend| t.divided.iter().map(|d| d.unit.id).collect::<Vec<_>>();
        assert_eq!(ids(&other), ids(&t));
        assert_eq!(year(&other, 2019).overall.packages, 0);
        let mut sum = figures(&year(&other, 2019).overall, &year(&other, 2019).targets);
        for d in &other.divided {
            let y = d.years.iter().find(|y| y.year == 2019).expect("2019");
            add(&mut sum, &figures(&y.overall, &y.targets));
        }
        assert_eq!(sum, figures(&district.overall, &district.targets));
    }
);

db_test!(
    the_trend_equals_the_checks_of_each_year,
    |db: TestDb| async move {
        demo::load(&db.conn).await.expect("demo");
        let c = Client::new(&db);
        for code in ["HN", demo::HA_DONG, "HN-X-PHUCTHO"] {
            let unit = id_of(&db.conn, code).await;
            for view in ["plan", "result"] {
                let t = c
                    .get(&format!(
                        "/api/v1/compliance/trend?unit_id={unit}&from=2019&to=2026&view={view}"
                    ))
                    .await;
                assert_eq!(t.status, 200, "{}", t.text);
                let t = t.json();
                let years = t["years"].as_array().expect("years");
                assert_eq!(years.len(), 8);
                for (i, y) in years.iter().enumerate() {
                    let year = 2019 + i as i64;
                    assert_eq!(y["year"], year);
                    let check = c
                        .get(&format!(
                            "/api/v1/compliance?unit_id={unit}&year={year}&view={view}"
                        ))
                        .await
                        .json();
                    assert_eq!(y["overall"], check["overall"], "{code} {year} {view}");
                    assert_eq!(y["targets"], check["targets"], "{code} {year} {view}");
                    assert_eq!(y["no_target"], check["no_target"], "{code} {year} {view}");
                }
            }
        }
        // A year without a rule: figures, no verdict.
        let hn = id_of(&db.conn, "HN").await;
        let t = c
            .get(&format!(
                "/api/v1/compliance/trend?unit_id={hn}&from=2022&to=2022"
            ))
            .await
            .json();
        let y = &t["years"][0];
        assert!(y["overall"]["packages"].as_i64().expect("n") > 0);
        assert_eq!(y["targets"], Value::Array(Vec::new()));
        assert!(y["no_target"].as_str().is_some_and(|m| m.contains("2022")));
        // 2025: the Law 22 rule, with its threshold and a verdict.
        let t = c
            .get(&format!(
                "/api/v1/compliance/trend?unit_id={hn}&from=2025&to=2026"
            ))
            .await
            .json();
        let rule = &t["years"][0]["targets"][0]["rule"];
        assert_eq!(rule["code"], "law22_art50_2025");
        assert_eq!(rule["min_count_percent"], 100);
        assert_eq!(t["years"][0]["targets"][0]["met"], false);
        assert!(
            t["years"][0]["targets"][0]["shortfall"]
                .as_i64()
                .expect("n")
                > 0
        );
    }
);

db_test!(
    the_second_trend_comes_from_the_cache,
    |db: TestDb| async move {
        demo::load(&db.conn).await.expect("demo");
        let request = TrendRequest {
            unit_id: id_of(&db.conn, "HN").await,
            from: 2019,
            to: 2026,
            view: View::Plan,
            comparable: true,
        };
        let first = trend::trend_cached(&db.conn, &db.cache, request)
            .await
            .expect("trend");
        let second = trend::trend_cached(&db.conn, &db.cache, request)
            .await
            .expect("trend");
        assert!(
            std::sync::Arc::ptr_eq(&first, &second),
            "served from the cache"
        );
        // A write moves the data version: the next trend is computed again, with the new package.
        let sgddt = id_of(&db.conn, "HN-SGDDT").await;
        create(&db.conn, package_of_2026(sgddt)).await;
        let third = trend::trend_cached(&db.conn, &db.cache, request)
            .await
            .expect("trend");
        assert!(!std::sync::Arc::ptr_eq(&first, &third));
        let count = |t: &Trend| t.years.last().map(|y| y.overall.packages);
        assert_eq!(count(&third), count(&first).map(|n| n + 1));
    }
);

fn package_of_2026(unit: i64) -> bidtrack::services::packages::NewPackage {
    bidtrack::services::packages::NewPackage {
        plan_year: 2026,
        ..new_package(
            unit,
            "Mua sắm thiết bị dạy học năm 2026",
            Method::CompetitiveOffers,
            Field::Goods,
            400_000_000,
            true,
        )
    }
}

db_test!(bad_trend_parameters_are_problems, |db: TestDb| async move {
    let c = Client::new(&db);
    let unit = add_unit(&db.conn, "TEST-TREND", UnitKind::Province, None)
        .await
        .id;
    let at = |q: &str| format!("/api/v1/compliance/trend?unit_id={unit}&{q}");
    let p = c
        .get(&at("from=2026&to=2019"))
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "from");
    assert_eq!(p["errors"][0]["code"], "order");
    let p = c
        .get(&at("from=2000&to=2030"))
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "to");
    assert_eq!(p["errors"][0]["code"], "span");
    let p = c
        .get(&at("from=1999&to=2019"))
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "from");
    c.get(&at("from=2019")).await.problem(400, "invalid_query");
    c.get(&at("from=abc&to=2019"))
        .await
        .problem(400, "invalid_query");
    c.get(&at("from=2019&to=2020&comparable=maybe"))
        .await
        .problem(400, "invalid_query");
    c.get(&at("from=2019&to=2020&format=pdf"))
        .await
        .problem(400, "invalid_query");
    c.get("/api/v1/compliance/trend?unit_id=987654&from=2019&to=2020")
        .await
        .problem(404, "not_found");
    // The compliance report checks the trend's span too.
    c.get(&format!(
        "/api/v1/reports/compliance?unit_id={unit}&year=2019&from=2020"
    ))
    .await
    .problem(422, "validation_failed");
    // A good one, on a unit without packages: every year there, all zero.
    let t = c.get(&at("from=2019&to=2021")).await;
    assert_eq!(t.status, 200, "{}", t.text);
    assert_eq!(t.json()["years"].as_array().map(Vec::len), Some(3));
    // Anonymous callers get nothing.
    Client::anonymous(&db)
        .get(&at("from=2019&to=2021"))
        .await
        .problem(401, "unauthenticated");
});

db_test!(the_trend_as_csv_and_as_a_sheet, |db: TestDb| async move {
    demo::load(&db.conn).await.expect("demo");
    let c = Client::new(&db);
    let hn = id_of(&db.conn, "HN").await;
    let api = c
        .get(&format!(
            "/api/v1/compliance/trend?unit_id={hn}&from=2019&to=2026"
        ))
        .await
        .json();
    let packages = |y: usize| api["years"][y]["overall"]["packages"].clone();

    let r = c
        .get(&format!(
            "/api/v1/compliance/trend?unit_id={hn}&from=2019&to=2026&format=csv"
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(
        r.header("content-disposition"),
        Some("attachment; filename=\"xu-huong-qua-mang_HN_2019-2026.csv\"")
    );
    assert!(r.text.starts_with('\u{feff}'), "UTF-8 BOM");
    let lines: Vec<&str> = r.text.trim_start_matches('\u{feff}').lines().collect();
    assert!(
        lines[0].starts_with("Số liệu của,Năm,Số gói thầu trong năm,Số gói qua mạng,"),
        "{}",
        lines[0]
    );
    assert!(
        lines[0].contains("Chỉ tiêu 2: quy định áp dụng"),
        "2020 had two targets"
    );
    assert!(lines[0].ends_with(",Ghi chú"));
    assert_eq!(lines.len(), 1 + 8);
    for (i, line) in lines[1..].iter().enumerate() {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells[0], "Thành phố Hà Nội");
        assert_eq!(cells[1], (2019 + i).to_string());
        assert_eq!(cells[2], packages(i).to_string(), "{line}");
    }
    let y2022 = lines[4];
    assert!(
        y2022.ends_with(",Chưa có chỉ tiêu: có số liệu nhưng không có đánh giá"),
        "{y2022}"
    );

    // The compliance report: the trend as its fourth part, in CSV and as the sheet "Xu hướng".
    let report = format!("/api/v1/reports/compliance?unit_id={hn}&year=2026&from=2019");
    let part = c.get(&format!("{report}&format=csv&part=trend")).await;
    assert_eq!(part.status, 200, "{}", part.text);
    assert_eq!(part.text, r.text, "the same table");
    let bytes = c.get_bytes(&format!("{report}&format=xlsx")).await;
    let s = sheet_named(&bytes, "Xu hướng");
    assert!(text(&s, 0, 0).starts_with("Xu hướng lựa chọn nhà thầu qua mạng 2019–2026"));
    let header = 7; // title, five scope lines, a blank line
    assert_eq!(text(&s, header, 0), "Số liệu của");
    assert_eq!(text(&s, header, 1), "Năm");
    for i in 0..8 {
        let row = header + 1 + i;
        assert_eq!(number(&s, row, 1), f64::from(2019 + i));
        assert_eq!(
            number(&s, row, 2),
            packages(i as usize).as_f64().expect("n"),
            "row {row}"
        );
    }
    let j = c.get(&report).await.json();
    let parts: Vec<&str> = j["parts"]
        .as_array()
        .expect("parts")
        .iter()
        .map(|p| p["part"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(parts, ["units", "methods", "fields", "trend"]);
});

db_test!(the_pages_show_the_trend_chart, |db: TestDb| async move {
    demo::load(&db.conn).await.expect("demo");
    let c = Client::new(&db);
    let years_of = |doc: &Html| {
        let sel = Selector::parse("svg.trend-chart text.year").expect("selector");
        doc.select(&sel)
            .map(|e| e.text().collect::<String>())
            .collect::<Vec<_>>()
    };
    let all: Vec<String> = (2019..=2026).map(|y| y.to_string()).collect();

    // The dashboard of the city in 2026: the new tree, and the trend since 2019.
    let hn = id_of(&db.conn, "HN").await;
    let r = c.get(&format!("/?unit_id={hn}&year=2026")).await;
    assert_eq!(r.status, 200);
    let doc = Html::parse_document(&r.text);
    assert_eq!(years_of(&doc), all);
    let title = Selector::parse("svg.trend-chart title").expect("selector");
    assert!(
        doc.select(&title)
            .next()
            .is_some_and(|t| t.text().collect::<String>().contains("Thành phố Hà Nội"))
    );
    let rows = Selector::parse("table.trend-table tbody tr").expect("selector");
    assert_eq!(doc.select(&rows).count(), 8, "the data beside the chart");
    let no_rule = Selector::parse("svg.trend-chart text.no-rule").expect("selector");
    assert_eq!(
        doc.select(&no_rule).count(),
        1,
        "2022–2024 have no rule: one band"
    );
    let band = Selector::parse("svg.trend-chart rect.no-rule-band title").expect("selector");
    assert_eq!(
        doc.select(&band)
            .map(|t| t.text().collect::<String>())
            .collect::<Vec<_>>(),
        ["2022–2024: không có chỉ tiêu"]
    );
    assert!(r.text.contains("Phường Hà Đông"), "the 2026 tree");
    assert!(!r.text.contains(">Quận Hà Đông</a>"), "not the 2019 one");

    // A new commune: its predecessors' history, the split district apart.
    let ward = id_of(&db.conn, "HN-P-HADONG").await;
    let r = c.get(&format!("/?unit_id={ward}&year=2026")).await;
    assert_eq!(r.status, 200);
    let doc = Html::parse_document(&r.text);
    assert_eq!(years_of(&doc), all);
    assert!(r.text.contains("Phường Hà Đông và các đơn vị tiền nhiệm"));
    assert!(
        r.text
            .contains("đã chia tách cho: Phường Hà Đông, Phường Kiến Hưng")
    );

    // The reports page: a trend section with its own years and the comparable choice.
    let r = c
        .get(&format!(
            "/reports?report=compliance&unit_id={ward}&year=2026&from=2020&comparable=true"
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let doc = Html::parse_document(&r.text);
    assert_eq!(years_of(&doc), all[1..].to_vec());
    let checked = Selector::parse("input#comparable[checked]").expect("selector");
    assert_eq!(doc.select(&checked).count(), 1);
    let r = c
        .get(&format!(
            "/reports?report=compliance&unit_id={ward}&year=2026&from=2027"
        ))
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("Năm bắt đầu không được sau năm kết thúc"));
});
