//! The officers' pages, checked with CSS selectors on the real router.

use crate::client::Client;
use crate::db_test;
use crate::support::*;
use bidtrack::seed::demo;
use entity::{Field, Method};
use scraper::{Html, Selector};

fn select(doc: &Html, css: &str) -> Vec<String> {
    let sel = Selector::parse(css).expect("selector");
    doc.select(&sel)
        .map(|e| {
            e.text()
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

db_test!(
    dashboard_shows_the_gap_and_how_to_close_it,
    |db: TestDb| async move {
        demo::load(&db.conn).await.expect("demo");
        let c = Client::new(&db);

        // The first top-level unit by default, in the year of the worked example (the default
        // year is `the_default_year_is_nobody_elses_last_edit`'s).
        let r = c.get("/?year=2019").await;
        assert_eq!(r.status, 200);
        assert!(
            r.header("content-type")
                .is_some_and(|t| t.starts_with("text/html"))
        );
        let doc = Html::parse_document(&r.text);
        assert_eq!(select(&doc, "html[lang=vi]").len(), 1);
        assert_eq!(select(&doc, "#result")[0], "Thành phố Hà Nội, năm 2019");
        assert_eq!(
            select(&doc, "#target-1")[0],
            "Nghị quyết 01/NQ-CP (2019) Chưa đạt"
        );
        // The units of 2019: the six communes of 1 July 2025 are not offered for it.
        assert_eq!(select(&doc, "select#unit_id option").len(), 22);
        assert_eq!(select(&doc, "label[for=unit_id]").len(), 1);
        assert_eq!(
            select(&doc, ".measure svg.bar").len(),
            2,
            "by count and by value"
        );
        assert_eq!(
            select(&doc, ".shortfall")[0],
            "Cần thêm 3 gói thầu qua mạng để đạt chỉ tiêu về số lượng. Đã đạt chỉ tiêu về giá trị."
        );
        // children, furthest from the target first
        let shares: Vec<f64> = select(
            &doc,
            "section[aria-labelledby=children] tbody tr td:nth-child(7)",
        )
        .iter()
        // Vietnamese: a decimal comma.
        .map(|s| {
            s.trim_end_matches('%')
                .replace(',', ".")
                .parse()
                .expect("share")
        })
        .collect();
        assert_eq!(shares.len(), 5);
        assert!(shares.windows(2).all(|w| w[0] <= w[1]), "{shares:?}");
        // candidates, cheapest first, at most ten
        let prices: Vec<i64> = select(
            &doc,
            "section[aria-labelledby=candidates] tbody tr td:nth-child(6)",
        )
        .iter()
        .map(|s| {
            s.trim_end_matches(" ₫")
                .replace('.', "")
                .parse()
                .expect("price")
        })
        .collect();
        assert!(!prices.is_empty() && prices.len() <= 10);
        // Each says whose it is and when it is planned, so the city knows whom to ask.
        let units = select(
            &doc,
            "section[aria-labelledby=candidates] tbody tr td:nth-child(2)",
        );
        assert!(
            units
                .iter()
                .all(|u| !u.is_empty() && u.parse::<i64>().is_err()),
            "{units:?}"
        );
        let months = select(
            &doc,
            "section[aria-labelledby=candidates] tbody tr td:nth-child(5)",
        );
        assert!(
            months.iter().all(|m| m == "–" || m.ends_with("/2019")),
            "{months:?}"
        );
        assert!(prices.windows(2).all(|w| w[0] <= w[1]), "{prices:?}");
        assert!(!r.text.contains("<script"), "no script on the page");

        // Hà Đông meets its target; one more planned offline competitive offer and it does not.
        let ha_dong = bidtrack::db::units::find_by_code(&db.conn, demo::HA_DONG)
            .await
            .expect("q")
            .expect("unit");
        let doc = Html::parse_document(
            &c.get(&format!("/?unit_id={}&year=2019", ha_dong.id))
                .await
                .text,
        );
        assert_eq!(select(&doc, ".verdict")[0], "Đạt");
        assert!(select(&doc, ".shortfall")[0].starts_with("Đã đạt chỉ tiêu về số lượng"));
        let ubnd = bidtrack::db::units::find_by_code(&db.conn, "HN-HADONG-UBND")
            .await
            .expect("q")
            .expect("unit");
        create(
            &db.conn,
            new_package(
                ubnd.id,
                "Mua sắm máy chiếu cho hội trường",
                Method::CompetitiveOffers,
                Field::Goods,
                90_000_000,
                false,
            ),
        )
        .await;
        let doc = Html::parse_document(
            &c.get(&format!("/?unit_id={}&year=2019", ha_dong.id))
                .await
                .text,
        );
        assert_eq!(select(&doc, "#target-1 .verdict")[0], "Chưa đạt");
        assert!(
            select(&doc, ".shortfall")[0].starts_with("Cần thêm 1 gói thầu qua mạng"),
            "{:?}",
            select(&doc, ".shortfall")
        );
        let first = select(
            &doc,
            "section[aria-labelledby=candidates] tbody tr td:first-child",
        );
        assert_eq!(
            first[0], "Mua sắm máy chiếu cho hội trường",
            "the cheapest way to close the gap"
        );
    }
);

db_test!(dashboard_explains_bad_input, |db: TestDb| async move {
    let c = Client::new(&db);
    let r = c.get("/").await;
    assert_eq!(r.status, 200);
    assert!(
        select(&Html::parse_document(&r.text), "[role=alert]")[0].starts_with("Chưa có đơn vị nào")
    );

    demo::load(&db.conn).await.expect("demo");
    for (query, status, message) in [
        ("?year=abc", 422, "Năm phải là một số từ 2000 đến 2100."),
        ("?year=1999", 422, "Năm phải là một số từ 2000 đến 2100."),
        (
            "?unit_id=999999",
            422,
            "Không có đơn vị này; hãy chọn một đơn vị trong danh sách.",
        ),
        (
            "?unit_id=x",
            422,
            "Không có đơn vị này; hãy chọn một đơn vị trong danh sách.",
        ),
    ] {
        let r = c.get(&format!("/{query}")).await;
        assert_eq!(r.status, status, "{query}");
        let alert = select(&Html::parse_document(&r.text), "[role=alert]");
        assert!(alert[0].starts_with(message), "{query}: {alert:?}");
    }
    // A year without a rule is no error: its figures, and why there is no verdict.
    let r = c.get("/?year=2022").await;
    assert_eq!(r.status, 200);
    let doc = Html::parse_document(&r.text);
    assert!(select(&doc, "[role=alert]").is_empty());
    let notice = select(&doc, "[role=status]");
    assert!(
        notice[0].starts_with("Chưa có chỉ tiêu cho năm 2022")
            && notice[0].contains("Thêm chỉ tiêu"),
        "{notice:?}"
    );
    assert!(select(&doc, "#result + p")[0].starts_with("Tất cả gói thầu trong năm: 71 gói thầu"));
    // what was typed is shown back
    let doc = Html::parse_document(&c.get("/?year=abc").await.text);
    let sel = Selector::parse("input#year").expect("selector");
    assert_eq!(
        doc.select(&sel)
            .next()
            .and_then(|e| e.value().attr("value")),
        Some("abc")
    );

    let css = c.get("/static/app.css").await;
    assert_eq!(css.status, 200);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert!(css.text.contains("@media print"));
});

db_test!(
    package_register_filters_searches_and_pages,
    |db: TestDb| async move {
        demo::load(&db.conn).await.expect("demo");
        let c = Client::new(&db);
        let rows = |doc: &Html| select(doc, "tbody tr").len();

        let doc = Html::parse_document(&c.get("/packages").await.text);
        assert_eq!(select(&doc, "main .muted")[0], "748 gói thầu");
        assert_eq!(rows(&doc), 50);
        assert_eq!(select(&doc, ".pager")[0], "Trang 1 / 15 Trang sau →");
        let next = Selector::parse("a[rel=next]").expect("selector");
        assert_eq!(
            doc.select(&next)
                .next()
                .and_then(|a| a.value().attr("href")),
            Some("/packages?page=2")
        );

        // search without diacritics, badges, Vietnamese money, sort by price (in 2019: later
        // years of the demo have many more packages named after Hà Đông)
        let doc = Html::parse_document(
            &c.get("/packages?q=ha+dong&plan_year=2019&sort=-package_price_vnd")
                .await
                .text,
        );
        assert_eq!(select(&doc, "main .muted")[0], "3 gói thầu");
        let prices = select(&doc, "tbody td.num");
        assert_eq!(
            prices,
            ["4.200.000.000 ₫", "2.500.000.000 ₫", "1.200.000.000 ₫"]
        );
        assert_eq!(
            select(&doc, "tbody tr:first-child .badge"),
            ["Không qua mạng", "Thuộc phạm vi"]
        );
        // the filters are shown back as chosen
        let chosen = Selector::parse("select#sort option[selected]").expect("selector");
        assert_eq!(
            doc.select(&chosen)
                .next()
                .and_then(|o| o.value().attr("value")),
            Some("-package_price_vnd")
        );

        // filters combine, through the same service as the API
        let ha_dong = bidtrack::db::units::find_by_code(&db.conn, demo::HA_DONG)
            .await
            .expect("q")
            .expect("unit");
        let doc = Html::parse_document(
            &c.get(&format!(
                "/packages?unit_id={}&plan_year=2019&in_target_scope=true&online=false",
                ha_dong.id
            ))
            .await
            .text,
        );
        assert_eq!(select(&doc, "main .muted")[0], "4 gói thầu");
        let doc = Html::parse_document(
            &c.get("/packages?method=competitive_offers&plan_year=2019&page=2")
                .await
                .text,
        );
        assert!(select(&doc, ".pager")[0].starts_with("← Trang trước Trang 2 / "));

        // bad values are explained, never a bare error
        let r = c.get("/packages?plan_year=abc").await;
        assert_eq!(r.status, 422);
        let doc = Html::parse_document(&r.text);
        let year = Selector::parse("input#plan_year[aria-invalid=true]").expect("selector");
        assert_eq!(
            doc.select(&year)
                .next()
                .and_then(|e| e.value().attr("value")),
            Some("abc")
        );
        assert_eq!(
            select(&doc, "#plan_year-error")[0],
            "Năm phải là số từ 2000 đến 2100"
        );
        let r = c.get("/packages?method=auction&sort=price").await;
        assert_eq!(r.status, 422);
        assert_eq!(
            select(&Html::parse_document(&r.text), "[role=alert]")[0],
            "Giá trị không hợp lệ: hình thức, sắp xếp. Hãy chọn lại."
        );
        let r = c.get("/packages?unit_id=987654").await;
        assert_eq!(r.status, 422);
        assert!(
            select(&Html::parse_document(&r.text), "[role=alert]")[0].contains("Không có đơn vị")
        );
    }
);

db_test!(
    the_default_year_is_nobody_elses_last_edit,
    |db: TestDb| async move {
        demo::load(&db.conn).await.expect("demo");
        let c = Client::new(&db);
        let year_shown = |r: &crate::client::Response| {
            let doc = Html::parse_document(&r.text);
            let sel = Selector::parse("input#year").expect("selector");
            doc.select(&sel)
                .next()
                .and_then(|e| e.value().attr("value"))
                .map(str::to_owned)
        };
        // The demo's packages reach the current year (or, later, its last year, with a rule).
        let default = demo_default_year().to_string();
        assert_eq!(year_shown(&c.get("/").await), Some(default.clone()));

        // One officer re-plans a package into a year without a rule: nobody's default moves.
        let ha_dong = bidtrack::db::units::find_by_code(&db.conn, "HN-HADONG-UBND")
            .await
            .expect("q")
            .expect("unit");
        let officer = Client::as_role(&db, entity::Role::Officer, Some(ha_dong.id));
        officer
            .package(serde_json::json!({"unit_id": ha_dong.id, "name": "Kế hoạch lại", "plan_year": 2023,
                "field": "goods", "method": "competitive_offers", "package_price_vnd": 100_000_000, "online": false}))
            .await;
        assert_eq!(year_shown(&c.get("/").await), Some(default.clone()));
        assert_eq!(year_shown(&c.get("/reports").await), Some(default));

        // A choice is remembered, on the dashboard and on the report page.
        let chosen = c.get("/?year=2023").await;
        assert_eq!(chosen.cookie("bidtrack_year"), "bidtrack_year=2023");
        assert_eq!(
            year_shown(&c.get_after("/", &chosen).await).as_deref(),
            Some("2023")
        );
        assert_eq!(
            year_shown(&c.get_after("/reports", &chosen).await).as_deref(),
            Some("2023")
        );

        // The current calendar year, once it has packages (of a unit that exists this year: the
        // demo's district ended on 30 June 2025).
        let this_year =
            chrono::Datelike::year(&chrono::Utc::now().with_timezone(&bidtrack::domain::VIETNAM));
        let department = bidtrack::db::units::find_by_code(&db.conn, "HN-SKHDT")
            .await
            .expect("q")
            .expect("unit");
        c.package(serde_json::json!({"unit_id": department.id, "name": "Gói năm nay", "plan_year": this_year,
                "field": "goods", "method": "competitive_offers", "package_price_vnd": 100_000_000, "online": false}))
            .await;
        assert_eq!(year_shown(&c.get("/").await), Some(this_year.to_string()));
    }
);
