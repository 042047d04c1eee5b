//! The officers' forms: create and edit a package, the inline errors, Post/Redirect/Get with a
//! flash notice, stale edits, the one-click online switch, deletion and the error pages.

use crate::client::{Client, Response};
use crate::db_test;
use crate::support::*;
use bidtrack::seed::demo;
use scraper::{Html, Selector};

pub(crate) fn doc(r: &Response) -> Html {
    Html::parse_document(&r.text)
}

pub(crate) fn texts(doc: &Html, css: &str) -> Vec<String> {
    let sel = Selector::parse(css).expect("selector");
    doc.select(&sel)
        .map(|e| {
            // Text nodes of separate cells are separate words.
            e.text()
                .collect::<Vec<_>>()
                .join(" ")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

pub(crate) fn attr(doc: &Html, css: &str, name: &str) -> Option<String> {
    let sel = Selector::parse(css).expect("selector");
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr(name).map(str::to_owned))
}

pub(crate) async fn ha_dong(db: &TestDb) -> i64 {
    bidtrack::db::units::find_by_code(&db.conn, demo::HA_DONG)
        .await
        .expect("query")
        .expect("demo unit")
        .id
}

pub(crate) fn location(r: &Response) -> String {
    assert_eq!(r.status, 303, "{}", r.text);
    r.header("location").expect("location").to_owned()
}

db_test!(
    create_form_keeps_input_and_explains_errors,
    |db: TestDb| async move {
        demo::load(&db.conn).await.expect("demo");
        let c = Client::new(&db);
        let unit = ha_dong(&db).await.to_string();

        let r = c
            .get(&format!("/packages/new?unit_id={unit}&plan_year=2019"))
            .await;
        assert_eq!(r.status, 200);
        let page = doc(&r);
        // every input has its label; enums are Vietnamese labels over wire values
        let inputs = texts(&page, "form.edit [name]").len();
        let sel = Selector::parse(
            "form.edit input:not([type=hidden]), form.edit select, form.edit textarea",
        )
        .expect("selector");
        for input in page.select(&sel) {
            let id = input.value().attr("id").expect("id");
            assert_eq!(
                texts(&page, &format!("label[for={id}]")).len(),
                1,
                "label for {id}"
            );
        }
        assert!(inputs >= 19, "{inputs}");
        assert_eq!(
            texts(&page, "select#method option[value=competitive_offers]"),
            ["Chào hàng cạnh tranh"]
        );
        assert_eq!(
            attr(&page, "select#unit_id option[selected]", "value"),
            Some(unit.clone())
        );

        // a bad price and no name: both explained beside their fields and in the summary,
        // everything typed kept
        let mut fields = vec![
            ("unit_id", unit.as_str()),
            ("name", ""),
            ("plan_year", "2019"),
            ("field", "goods"),
            ("method", "competitive_offers"),
            ("status", "planned"),
            ("package_price_vnd", "12,34"),
            ("notes", "Ghi chú của cán bộ"),
            ("international", "on"),
        ];
        let r = c.form("/packages/new", &fields).await;
        assert_eq!(r.status, 422);
        let page = doc(&r);
        assert_eq!(
            attr(&page, "#package_price_vnd[aria-invalid=true]", "value").as_deref(),
            Some("12,34")
        );
        assert_eq!(
            texts(&page, "#package_price_vnd-error"),
            ["Số tiền phải là số đồng nguyên, nhóm ba chữ số (ví dụ 1.234.567.000)"]
        );
        assert_eq!(texts(&page, "#name-error"), ["Chưa nhập tên gói thầu"]);
        assert_eq!(
            texts(&page, ".error-summary h2"),
            ["Chưa lưu được: có 2 lỗi cần sửa"]
        );
        assert_eq!(
            attr(&page, ".error-summary li:first-child a", "href").as_deref(),
            Some("#name")
        );
        assert_eq!(texts(&page, "textarea#notes"), ["Ghi chú của cán bộ"]);
        assert_eq!(
            attr(&page, "select#method option[selected]", "value").as_deref(),
            Some("competitive_offers")
        );
        assert!(attr(&page, "input#international", "checked").is_some());

        // a domain rule (consulting by competitive offers) lands beside the method
        fields[1] = ("name", "Tư vấn giám sát");
        fields[3] = ("field", "consulting");
        fields[6] = ("package_price_vnd", "500.000.000");
        let r = c.form("/packages/new", &fields).await;
        assert_eq!(r.status, 422);
        assert_eq!(
            texts(&doc(&r), "#method-error"),
            ["Gói thầu tư vấn không được áp dụng hình thức chào hàng cạnh tranh"]
        );
        fields[3] = ("field", "goods");

        // the three ways officers write money; the notice follows the redirect once
        for (i, price) in ["1.234.567.000", "1,234,567,000", "1234567000 đ"]
            .iter()
            .enumerate()
        {
            let name = format!("Mua sắm số {i}");
            let mut f = fields.clone();
            f[1] = ("name", &name);
            f[6] = ("package_price_vnd", price);
            let r = c.form("/packages/new", &f).await;
            let to = location(&r);
            let id = to.trim_start_matches("/packages/");
            let api = c.get(&format!("/api/v1/packages/{id}")).await.json();
            assert_eq!(api["package_price_vnd"], 1_234_567_000i64, "{price}");
            assert_eq!(api["international"], true);
            assert_eq!(api["notes"], "Ghi chú của cán bộ");
            let shown = c.get_after(&to, &r).await;
            assert_eq!(
                texts(&doc(&shown), ".flash.ok"),
                [format!("Đã thêm gói thầu «{name}».")]
            );
            assert!(
                shown
                    .header("set-cookie")
                    .is_some_and(|c| c.contains("Max-Age=0")),
                "the notice is shown once"
            );
            assert!(texts(&doc(&c.get(&to).await), ".flash").is_empty());
        }

        // a notice number already taken
        let mut f = fields.clone();
        f[1] = ("name", "Gói trùng số");
        f[6] = ("package_price_vnd", "100.000.000");
        f.push(("code", "IB1900000001"));
        location(&c.form("/packages/new", &f).await);
        let r = c.form("/packages/new", &f).await;
        assert_eq!(r.status, 422);
        assert_eq!(
            texts(&doc(&r), "#code-error"),
            ["Số thông báo mời thầu IB1900000001 đã có trong hệ thống"]
        );
    }
);

db_test!(edit_form_explains_a_stale_edit, |db: TestDb| async move {
    let c = Client::new(&db);
    let unit = c.unit("Q1", "district", None).await;
    let created = c
        .package(serde_json::json!({
            "unit_id": unit, "name": "Sửa chữa trụ sở", "plan_year": 2019,
            "field": "works", "method": "competitive_offers",
            "package_price_vnd": 1_200_000_000i64, "online": false
        }))
        .await;
    let id = created["id"].as_i64().expect("id");

    let page = doc(&c.get(&format!("/packages/{id}/edit")).await);
    assert_eq!(
        attr(&page, "input[name=version]", "value").as_deref(),
        Some("1")
    );
    assert_eq!(
        attr(&page, "#package_price_vnd", "value").as_deref(),
        Some("1.200.000.000")
    );
    assert_eq!(
        attr(&page, "#name", "value").as_deref(),
        Some("Sửa chữa trụ sở")
    );

    // someone else saves first, through the API
    let r = c
        .patch(
            &format!("/api/v1/packages/{id}"),
            &serde_json::json!({"package_price_vnd": 1_500_000_000i64}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    let unit = unit.to_string();
    let mut fields = vec![
        ("version", "1"),
        ("unit_id", unit.as_str()),
        ("name", "Sửa chữa, cải tạo trụ sở"),
        ("plan_year", "2019"),
        ("field", "works"),
        ("method", "competitive_offers"),
        ("status", "planned"),
        ("package_price_vnd", "1.200.000.000"),
    ];
    let r = c.form(&format!("/packages/{id}/edit"), &fields).await;
    assert_eq!(r.status, 409);
    let page = doc(&r);
    assert_eq!(
        texts(&page, ".stale h2"),
        ["Gói thầu đã được người khác lưu trước bạn"]
    );
    let rows = texts(&page, ".stale tbody tr");
    assert_eq!(
        rows,
        [
            "Tên gói thầu Sửa chữa, cải tạo trụ sở Sửa chữa trụ sở",
            "Giá gói thầu 1.200.000.000 ₫ 1.500.000.000 ₫"
        ]
    );
    // nothing typed is lost; a second save is now a deliberate overwrite of version 2
    assert_eq!(
        attr(&page, "#name", "value").as_deref(),
        Some("Sửa chữa, cải tạo trụ sở")
    );
    assert_eq!(
        attr(&page, "input[name=version]", "value").as_deref(),
        Some("2")
    );
    let api = c.get(&format!("/api/v1/packages/{id}")).await.json();
    assert_eq!(
        api["name"], "Sửa chữa trụ sở",
        "the stale edit changed nothing"
    );

    fields[0] = ("version", "2");
    let r = c.form(&format!("/packages/{id}/edit"), &fields).await;
    assert_eq!(location(&r), format!("/packages/{id}"));
    let api = c.get(&format!("/api/v1/packages/{id}")).await.json();
    assert_eq!(api["name"], "Sửa chữa, cải tạo trụ sở");
    assert_eq!(api["package_price_vnd"], 1_200_000_000i64);
    assert_eq!(api["version"], 3);

    // an error on edit re-renders with the same version and the typed values
    fields[0] = ("version", "3");
    fields[7] = ("package_price_vnd", "1.2");
    let r = c.form(&format!("/packages/{id}/edit"), &fields).await;
    assert_eq!(r.status, 422);
    let page = doc(&r);
    assert_eq!(
        attr(&page, "#package_price_vnd", "value").as_deref(),
        Some("1.2")
    );
    assert_eq!(
        attr(&page, "input[name=version]", "value").as_deref(),
        Some("3")
    );

    // a form without its version is refused, not guessed
    let r = c.form(&format!("/packages/{id}/edit"), &fields[1..]).await;
    assert_eq!(r.status, 400);
    assert!(r.text.contains("Biểu mẫu thiếu phiên bản"));
});

db_test!(
    one_click_online_switch_moves_the_dashboard,
    |db: TestDb| async move {
        demo::load(&db.conn).await.expect("demo");
        let c = Client::new(&db);
        let unit = ha_dong(&db).await;
        let dashboard = format!("/?unit_id={unit}&year=2019");
        assert_eq!(
            texts(&doc(&c.get(&dashboard).await), ".shortfall"),
            ["Đã đạt chỉ tiêu về số lượng gói thầu. Đã đạt chỉ tiêu về giá trị."]
        );

        let unit_s = unit.to_string();
        let r = c
            .form(
                "/packages/new",
                &[
                    ("unit_id", &unit_s),
                    ("name", "Kiểm thử mua sắm bàn ghế"),
                    ("plan_year", "2019"),
                    ("field", "goods"),
                    ("method", "competitive_offers"),
                    ("status", "planned"),
                    ("package_price_vnd", "350.000.000"),
                ],
            )
            .await;
        let to = location(&r);
        let id: i64 = to.trim_start_matches("/packages/").parse().expect("id");
        let page = doc(&c.get(&to).await);
        assert_eq!(texts(&page, "#scope .badge"), ["Thuộc phạm vi chỉ tiêu"]);
        assert_eq!(
            texts(&page, ".scope-reason"),
            ["Chào hàng cạnh tranh: thuộc phạm vi chỉ tiêu"]
        );
        assert_eq!(
            texts(&doc(&c.get(&dashboard).await), ".shortfall"),
            [
                "Cần thêm 1 gói thầu qua mạng để đạt chỉ tiêu về số lượng. Đã đạt chỉ tiêu về giá trị."
            ]
        );

        // the register offers the switch on the row, and returns to the same filtered list
        let list = format!("/packages?unit_id={unit}&q=kiem+thu");
        let page = doc(&c.get(&list).await);
        assert_eq!(texts(&page, "tbody tr button"), ["Chuyển qua mạng"]);
        assert_eq!(
            attr(&page, "tbody tr form input[name=back]", "value"),
            Some(format!("/packages?unit_id={unit}&q=kiem+thu"))
        );
        let r = c
            .form(
                &format!("/packages/{id}/online"),
                &[("version", "1"), ("online", "true"), ("back", &list)],
            )
            .await;
        assert_eq!(location(&r), list);
        let shown = c.get_after(&list, &r).await;
        assert_eq!(
            texts(&doc(&shown), ".flash.ok"),
            ["Đã chuyển gói thầu «Kiểm thử mua sắm bàn ghế» sang lựa chọn qua mạng."]
        );
        assert_eq!(
            texts(&doc(&shown), "tbody tr .badge.yes"),
            ["Qua mạng", "Thuộc phạm vi"]
        );
        assert_eq!(
            texts(&doc(&c.get(&dashboard).await), ".shortfall"),
            ["Đã đạt chỉ tiêu về số lượng gói thầu. Đã đạt chỉ tiêu về giá trị."]
        );

        // a click on a stale row changes nothing and says why; a foreign `back` is ignored
        let r = c
            .form(
                &format!("/packages/{id}/online"),
                &[
                    ("version", "1"),
                    ("online", "false"),
                    ("back", "https://example.com/"),
                ],
            )
            .await;
        assert_eq!(location(&r), format!("/packages/{id}"));
        let shown = c.get_after(&format!("/packages/{id}"), &r).await;
        assert!(
            texts(&doc(&shown), ".flash.error")[0].starts_with("Gói thầu vừa được người khác sửa")
        );
        let api = c.get(&format!("/api/v1/packages/{id}")).await.json();
        assert_eq!(api["online"], true);
        assert_eq!(api["version"], 2);

        // and back offline from the package page
        let page = doc(&c.get(&format!("/packages/{id}")).await);
        assert_eq!(
            texts(&page, ".actions form button"),
            ["Bỏ lựa chọn qua mạng"]
        );
        assert_eq!(
            attr(&page, ".actions form input[name=version]", "value").as_deref(),
            Some("2")
        );
        let r = c
            .form(
                &format!("/packages/{id}/online"),
                &[
                    ("version", "2"),
                    ("online", "false"),
                    ("back", &format!("/packages/{id}")),
                ],
            )
            .await;
        location(&r);
        assert_eq!(
            c.get(&format!("/api/v1/packages/{id}")).await.json()["online"],
            false
        );

        // deletion asks first, then needs the current version
        let page = doc(&c.get(&format!("/packages/{id}/delete")).await);
        assert_eq!(
            texts(&page, "h1"),
            ["Xóa gói thầu «Kiểm thử mua sắm bàn ghế»?"]
        );
        let r = c
            .form(&format!("/packages/{id}/delete"), &[("version", "1")])
            .await;
        assert_eq!(location(&r), format!("/packages/{id}"));
        assert_eq!(c.get(&format!("/packages/{id}")).await.status, 200);
        let r = c
            .form(&format!("/packages/{id}/delete"), &[("version", "3")])
            .await;
        assert_eq!(location(&r), "/packages");
        assert_eq!(
            texts(&doc(&c.get_after("/packages", &r).await), ".flash.ok"),
            ["Đã xóa gói thầu."]
        );
        let gone = c.get(&format!("/packages/{id}")).await;
        assert_eq!(gone.status, 404);
        assert_eq!(texts(&doc(&gone), "h1"), ["Không tìm thấy trang"]);
    }
);

db_test!(error_pages_are_vietnamese_pages, |db: TestDb| async move {
    let c = Client::new(&db);
    for (uri, status) in [
        ("/no-such-page", 404),
        ("/packages/abc", 404),
        ("/packages/999999", 404),
        ("/packages/999999/edit", 404),
    ] {
        let r = c.get(uri).await;
        assert_eq!(r.status, status, "{uri}");
        assert!(
            r.header("content-type")
                .is_some_and(|t| t.starts_with("text/html")),
            "{uri}"
        );
        let page = doc(&r);
        assert_eq!(texts(&page, "html[lang=vi]").len(), 1, "{uri}");
        assert_eq!(texts(&page, "h1"), ["Không tìm thấy trang"], "{uri}");
    }
    let r = c
        .send(
            axum::http::Request::put("/packages")
                .body(axum::body::Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(r.status, 405);
    assert_eq!(texts(&doc(&r), "h1"), ["Thao tác không được hỗ trợ"]);
    let r = c.form("/packages/1/online", &[("online", "maybe")]).await;
    assert_eq!(r.status, 400);
    assert_eq!(texts(&doc(&r), "h1"), ["Yêu cầu không hợp lệ"]);

    // A broken database is a 500 page that says nothing about the internals.
    // Its events first: PostgreSQL will not drop a table others refer to.
    for table in ["package_events", "packages"] {
        sea_orm::ConnectionTrait::execute_unprepared(&db.conn, &format!("DROP TABLE {table}"))
            .await
            .expect("drop");
    }
    let r = c.get("/packages").await;
    assert_eq!(r.status, 500);
    let page = doc(&r);
    assert_eq!(texts(&page, "h1"), ["Đã xảy ra lỗi hệ thống"]);
    assert_eq!(
        texts(&page, "main p")[0],
        "Đã xảy ra lỗi hệ thống. Vui lòng thử lại sau."
    );
    for internal in ["no such table", "does not exist", "sqlx", "Query"] {
        assert!(!r.text.contains(internal), "{internal}: {}", r.text);
    }
});

db_test!(
    reports_page_previews_and_offers_the_files,
    |db: TestDb| async move {
        let c = Client::new(&db);
        let r = c.get("/reports").await;
        assert_eq!(r.status, 200);
        assert_eq!(
            texts(&doc(&r), "[role=alert]"),
            ["Chưa có đơn vị nào: chưa có gì để báo cáo."]
        );

        demo::load(&db.conn).await.expect("demo");
        // Defaults: the compliance report of the top unit (for 2019, the worked example's year;
        // the default year is checked in web.rs), with the children's chart.
        let r = c.get("/reports?year=2019").await;
        assert_eq!(r.status, 200);
        let page = doc(&r);
        assert_eq!(
            texts(&page, ".report-preview h2.report-title")[0],
            "Báo cáo thực hiện lựa chọn nhà thầu qua mạng năm 2019 – Thành phố Hà Nội – theo đơn vị"
        );
        assert_eq!(texts(&page, ".report-preview svg.chart").len(), 1);
        assert_eq!(attr(&page, "input#year", "value").as_deref(), Some("2019"));
        let links: Vec<String> = {
            let sel = Selector::parse(".downloads a").expect("selector");
            page.select(&sel)
                .filter_map(|a| a.value().attr("href").map(str::to_owned))
                .collect()
        };
        assert_eq!(links.len(), 3);
        for (link, content_type) in links.iter().zip([
            "text/csv; charset=utf-8",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "text/html; charset=utf-8",
        ]) {
            let file = c.get(link).await;
            assert_eq!(file.status, 200, "{link}");
            assert_eq!(file.header("content-type"), Some(content_type), "{link}");
        }
        // the preview shows the figures the API reports
        let unit = ha_dong(&db).await;
        let page = doc(&c
            .get(&format!(
                "/reports?report=compliance&unit_id={unit}&year=2019&view=plan"
            ))
            .await);
        let first_row = texts(&page, ".report-preview tbody tr:first-child")[0].clone();
        assert!(
            first_row.contains("Quận Hà Đông Quận / huyện / thị xã 10 5")
                && first_row.contains("Nghị quyết 01/NQ-CP (2019) 8 4 50,00% 50,00% Đạt 0"),
            "{first_row}"
        );

        // the summary in millions; the package list cut to its preview
        let page = doc(&c
            .get(&format!(
                "/reports?report=summary&unit_id={unit}&year=2019&view=plan&money=million"
            ))
            .await);
        assert!(texts(&page, ".report-preview dl.scope")[0].contains("triệu đồng"));
        assert!(
            attr(&page, ".downloads a", "href").is_some_and(|h| h
                .contains("/api/v1/reports/summary?")
                && h.contains("unit=million"))
        );
        let page = doc(&c.get("/reports?report=packages&year=2019").await);
        assert!(
            texts(&page, ".report-preview p.muted")[0].starts_with("Xem trước 200 / "),
            "the whole demo list is longer than the preview"
        );

        // choices that cannot be right are explained
        let r = c
            .get("/reports?report=secret&view=sideways&year=19999&unit_id=x")
            .await;
        assert_eq!(r.status, 422);
        assert_eq!(texts(&doc(&r), "[role=alert]").len(), 4);
        // A year without a rule: the figures, and the report says there is no target yet.
        let r = c.get("/reports?year=2022").await;
        assert_eq!(r.status, 200);
        let page = doc(&r);
        assert!(texts(&page, "[role=alert]").is_empty());
        assert!(
            texts(&page, ".report-preview dl")[0].contains("Chưa có chỉ tiêu cho năm 2022"),
            "{:?}",
            texts(&page, ".report-preview dl")
        );
    }
);

db_test!(
    units_pages_list_the_tree_and_edit_it,
    |db: TestDb| async move {
        let c = Client::new(&db);
        assert!(texts(&doc(&c.get("/units").await), ".card")[0].starts_with("Chưa có đơn vị nào"));

        let r = c
            .form(
                "/units/new",
                &[
                    ("code", "HN"),
                    ("name", "Thành phố Hà Nội"),
                    ("kind", "province"),
                ],
            )
            .await;
        assert_eq!(location(&r), "/units");
        assert_eq!(
            texts(&doc(&c.get_after("/units", &r).await), ".flash.ok"),
            ["Đã thêm đơn vị «Thành phố Hà Nội»."]
        );
        let hn = bidtrack::db::units::find_by_code(&db.conn, "HN")
            .await
            .expect("q")
            .expect("unit")
            .id
            .to_string();
        location(
            &c.form(
                "/units/new",
                &[
                    ("code", "HN-Q1"),
                    ("name", "Quận Một"),
                    ("kind", "district"),
                    ("parent_id", &hn),
                    ("valid_from", "01/01/2020"),
                ],
            )
            .await,
        );
        let page = doc(&c.get("/units").await);
        assert_eq!(
            texts(&page, "tbody tr td:first-child"),
            ["Thành phố Hà Nội", "Quận Một"]
        );
        assert_eq!(texts(&page, "tbody td.depth-1"), ["Quận Một"]);
        assert_eq!(
            texts(&page, "tbody tr:nth-child(2) td:nth-child(4)"),
            ["01/01/2020 –"]
        );

        // errors beside their fields, input kept
        let r = c
            .form(
                "/units/new",
                &[("code", "mã có dấu"), ("name", "Phường X"), ("kind", "")],
            )
            .await;
        assert_eq!(r.status, 422);
        let page = doc(&r);
        assert_eq!(texts(&page, "#kind-error"), ["Chưa chọn cấp đơn vị"]);
        assert_eq!(attr(&page, "#code", "value").as_deref(), Some("mã có dấu"));
        let r = c
            .form(
                "/units/new",
                &[
                    ("code", "mã có dấu"),
                    ("name", "Phường X"),
                    ("kind", "commune"),
                ],
            )
            .await;
        assert!(texts(&doc(&r), "#code-error")[0].starts_with("Mã đơn vị gồm 1–64 ký tự"));
        let r = c
            .form(
                "/units/new",
                &[("code", "HN"), ("name", "Trùng"), ("kind", "province")],
            )
            .await;
        assert_eq!(texts(&doc(&r), "#code-error"), ["Mã đơn vị HN đã có"]);

        // edit: the form starts from the unit; a unit cannot sit under its own child
        let page = doc(&c.get(&format!("/units/{hn}/edit")).await);
        assert_eq!(
            attr(&page, "#name", "value").as_deref(),
            Some("Thành phố Hà Nội")
        );
        assert_eq!(
            attr(&page, "select#kind option[selected]", "value").as_deref(),
            Some("province")
        );
        assert!(
            texts(&page, "select#parent_id option")
                .iter()
                .all(|o| !o.contains("(HN)")),
            "a unit is not offered as its own parent"
        );
        let q1 = bidtrack::db::units::find_by_code(&db.conn, "HN-Q1")
            .await
            .expect("q")
            .expect("unit")
            .id
            .to_string();
        let r = c
            .form(
                &format!("/units/{hn}/edit"),
                &[
                    ("code", "HN"),
                    ("name", "Hà Nội"),
                    ("kind", "province"),
                    ("parent_id", &q1),
                ],
            )
            .await;
        assert_eq!(r.status, 422);
        assert_eq!(
            texts(&doc(&r), "#parent_id-error"),
            ["Đơn vị cấp trên không được là chính đơn vị này hoặc đơn vị cấp dưới của nó"]
        );
        let r = c
            .form(
                &format!("/units/{q1}/edit"),
                &[
                    ("code", "HN-Q1"),
                    ("name", "Quận 1"),
                    ("kind", "district"),
                    ("parent_id", &hn),
                    ("valid_from", "2020-01-01"),
                    ("valid_to", "31/12/2019"),
                ],
            )
            .await;
        assert_eq!(
            texts(&doc(&r), "#valid_to-error"),
            ["Ngày hết hiệu lực phải sau ngày bắt đầu"]
        );
        let r = c
            .form(
                &format!("/units/{q1}/edit"),
                &[
                    ("code", "HN-Q1"),
                    ("name", "Quận 1"),
                    ("kind", "district"),
                    ("parent_id", &hn),
                ],
            )
            .await;
        assert_eq!(location(&r), "/units");
        let api = c.get(&format!("/api/v1/units/{q1}")).await.json();
        assert_eq!(api["name"], "Quận 1");
        assert_eq!(api["valid_from"], serde_json::Value::Null);
        assert_eq!(c.get("/units/abc/edit").await.status, 404);
    }
);

db_test!(
    a_created_or_renamed_unit_is_offered_at_once,
    |db: TestDb| async move {
        demo::load(&db.conn).await.expect("demo");
        let c = Client::new(&db);
        let offered = |page: &Html, label: &str| {
            texts(page, "select#unit_id option")
                .iter()
                .any(|o| o == label)
        };
        let ha_dong = ha_dong(&db).await.to_string();
        // Every unit picker reads the cached unit list; these reads fill it.
        for url in ["/packages", "/", "/reports"] {
            assert!(!offered(
                &doc(&c.get(url).await),
                "Phường Mới (HN-HADONG-MOI)"
            ));
        }

        // A unit added through its form is a choice of every page right after.
        let (action, mut fields) = posted(&doc(&c.get("/units/new").await));
        for (name, value) in [
            ("code", "HN-HADONG-MOI"),
            ("name", "Phường Mới"),
            ("kind", "commune"),
            ("parent_id", ha_dong.as_str()),
        ] {
            set(&mut fields, name, value);
        }
        assert_eq!(location(&submit(&c, &action, &fields).await), "/units");
        for url in ["/packages", "/", "/reports", "/packages/new"] {
            let page = doc(&c.get(url).await);
            assert!(offered(&page, "Phường Mới (HN-HADONG-MOI)"), "{url}");
        }

        // Renamed through its form: the new name, and only it, right after.
        let id = bidtrack::db::units::find_by_code(&db.conn, "HN-HADONG-MOI")
            .await
            .expect("q")
            .expect("unit")
            .id;
        let (action, mut fields) = posted(&doc(&c.get(&format!("/units/{id}/edit")).await));
        set(&mut fields, "name", "Phường Mới Đổi Tên");
        assert_eq!(location(&submit(&c, &action, &fields).await), "/units");
        for url in ["/packages", "/", "/reports", "/packages/new"] {
            let page = doc(&c.get(url).await);
            assert!(
                offered(&page, "Phường Mới Đổi Tên (HN-HADONG-MOI)"),
                "{url}"
            );
            assert!(!offered(&page, "Phường Mới (HN-HADONG-MOI)"), "{url}");
        }

        // Through the API as well.
        let r = c
            .post(
                "/api/v1/units",
                &serde_json::json!({"code": "HN-HADONG-MOI2", "name": "Phường Mới Hai",
                    "kind": "commune", "parent_id": id}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert!(offered(
            &doc(&c.get("/packages").await),
            "Phường Mới Hai (HN-HADONG-MOI2)"
        ));

        // Another instance sharing the database learns of a unit created here within the
        // cache's TTL, and at once when a page asks for it by id.
        let other = Client::on_another_instance(&db);
        assert!(!offered(
            &doc(&other.get("/packages").await),
            "Phường Ba (HN-HADONG-MOI3)"
        ));
        let r = c
            .post(
                "/api/v1/units",
                &serde_json::json!({"code": "HN-HADONG-MOI3", "name": "Phường Ba",
                    "kind": "commune", "parent_id": id}),
            )
            .await;
        let third = r.json()["id"].as_i64().expect("id");
        let r = other.get(&format!("/?unit_id={third}&year=2019")).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(
            texts(&doc(&r), "select#unit_id option[selected]"),
            ["Phường Ba (HN-HADONG-MOI3)"]
        );
    }
);

db_test!(
    target_pages_list_and_edit_the_rules,
    |db: TestDb| async move {
        demo::load(&db.conn).await.expect("demo");
        let c = Client::new(&db);
        let page = doc(&c.get("/targets").await);
        let rows = texts(&page, "tbody tr");
        assert_eq!(rows.len(), 6, "{rows:?}");
        assert!(rows[0].contains("2019 Mọi đơn vị ≥ 50% ≥ 15%"), "{rows:?}");
        // 2021's first target counts packages under ceilings of its own, said once.
        assert!(
            rows[3].contains(
                "Đấu thầu rộng rãi*, Chào hàng cạnh tranh* (* gói thầu hàng hóa ≤ 10.000.000.000 ₫"
            ) && rows[3].contains("tư vấn ≤ 10.000.000.000 ₫, xây lắp ≤ 20.000.000.000 ₫)"),
            "{rows:?}"
        );
        assert!(
            rows[0].contains("Đấu thầu rộng rãi (quy mô nhỏ)")
                && rows[0].contains("Chào hàng cạnh tranh"),
            "{rows:?}"
        );

        // the seeded rule, as its edit form shows it
        let edit = attr(&page, "tbody tr:first-child a", "href").expect("edit link");
        let form = doc(&c.get(&edit).await);
        assert_eq!(
            attr(&form, "select#competitive_offers option[selected]", "value").as_deref(),
            Some("all")
        );
        assert_eq!(
            attr(&form, "select#open_bidding option[selected]", "value").as_deref(),
            Some("small_scale")
        );
        assert_eq!(
            attr(&form, "select#direct_appointment option[selected]", "value").as_deref(),
            Some("")
        );
        assert!(attr(&form, "#domestic_only", "checked").is_some());

        // a rule that cannot hold is explained field by field
        let r = c
            .form(
                "/targets/new",
                &[
                    ("code", "hn_2020"),
                    ("name", "Chỉ tiêu Hà Nội 2020"),
                    ("year_from", "2020"),
                    ("year_to", "2020"),
                    ("min_count_percent", "150"),
                ],
            )
            .await;
        assert_eq!(r.status, 422);
        let page = doc(&r);
        assert_eq!(
            texts(&page, "#min_count_percent-error"),
            ["Tỷ lệ phải từ 0 đến 100"]
        );
        assert_eq!(
            texts(&page, "#open_bidding-error"),
            ["Cần ít nhất một hình thức lựa chọn nhà thầu"]
        );
        assert_eq!(
            attr(&page, "#min_count_percent", "value").as_deref(),
            Some("150")
        );
        let r = c
            .form(
                "/targets/new",
                &[("code", "x"), ("name", "x"), ("year_from", "năm nay")],
            )
            .await;
        assert_eq!(
            texts(&doc(&r), "#year_from-error"),
            ["Năm bắt đầu phải là một số nguyên"]
        );

        // Hà Nội had no target for 2022; a rule of its own gives it one
        let hn = bidtrack::db::units::find_by_code(&db.conn, "HN")
            .await
            .expect("q")
            .expect("unit")
            .id;
        let dashboard = format!("/?unit_id={hn}&year=2022");
        assert!(
            texts(&doc(&c.get(&dashboard).await), "[role=status]")[0]
                .starts_with("Chưa có chỉ tiêu cho năm 2022")
        );
        let hn_s = hn.to_string();
        let r = c
            .form(
                "/targets/new",
                &[
                    ("code", "hn_2022"),
                    ("name", "Chỉ tiêu Hà Nội 2022"),
                    ("unit_id", &hn_s),
                    ("year_from", "2022"),
                    ("year_to", "2022"),
                    ("min_count_percent", "60"),
                    ("competitive_offers", "all"),
                    ("domestic_only", "on"),
                ],
            )
            .await;
        assert_eq!(location(&r), "/targets");
        let page = doc(&c.get(&dashboard).await);
        assert!(texts(&page, "[role=alert], [role=status]").is_empty());
        assert_eq!(
            texts(&page, "#target-1 + p.muted"),
            ["Chỉ tiêu: tối thiểu 60% số gói thầu"]
        );
        assert!(texts(&page, "#target-1")[0].starts_with("Chỉ tiêu Hà Nội 2022"));
        let page = doc(&c.get("/targets").await);
        assert!(texts(&page, "tbody tr")[5].contains("2022 Thành phố Hà Nội ≥ 60% –"));
    }
);

/// The fields a browser would send from the first form of a page, as rendered: inputs with
/// their values (checkboxes when checked), textareas, and the selected option of each select.
fn rendered_fields(page: &Html) -> Vec<(String, String)> {
    let sel = |css: &str| Selector::parse(css).expect("selector");
    let form = page.select(&sel("main form")).next().expect("a form");
    let mut out = Vec::new();
    for input in form.select(&sel("input[name]")) {
        let v = input.value();
        let checkbox = v.attr("type") == Some("checkbox");
        if checkbox && v.attr("checked").is_none() {
            continue;
        }
        let value = v.attr("value").unwrap_or(if checkbox { "on" } else { "" });
        out.push((
            v.attr("name").unwrap_or_default().to_owned(),
            value.to_owned(),
        ));
    }
    for area in form.select(&sel("textarea[name]")) {
        out.push((
            area.value().attr("name").unwrap_or_default().to_owned(),
            area.text().collect(),
        ));
    }
    for select in form.select(&sel("select[name]")) {
        let chosen = select
            .select(&sel("option[selected]"))
            .next()
            .and_then(|o| o.value().attr("value"))
            .unwrap_or_default();
        out.push((
            select.value().attr("name").unwrap_or_default().to_owned(),
            chosen.to_owned(),
        ));
    }
    out
}

db_test!(
    a_rule_starts_as_a_copy_of_another,
    |db: TestDb| async move {
        demo::load(&db.conn).await.expect("demo");
        let c = Client::new(&db);
        let rules = c.get("/api/v1/targets?per_page=100").await.json();
        let nq01 = rules["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|r| r["code"] == "nq01_2019")
            .expect("nq01_2019")["id"]
            .as_i64()
            .expect("id");
        let list = doc(&c.get("/targets").await);
        assert!(
            attr(
                &list,
                &format!("a[href='/targets/new?from={nq01}']"),
                "href"
            )
            .is_some(),
            "the list offers a copy of each rule"
        );

        let page = doc(&c.get(&format!("/targets/new?from={nq01}")).await);
        let mut fields = rendered_fields(&page);
        let value = |fields: &[(String, String)], name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        assert_eq!(value(&fields, "code"), "", "a copy needs a code of its own");
        assert_eq!(value(&fields, "replaces_code"), "nq01_2019");
        assert_eq!(value(&fields, "min_count_percent"), "50");
        assert_eq!(value(&fields, "competitive_offers"), "all");
        assert_eq!(value(&fields, "open_bidding"), "small_scale");
        assert!(!value(&fields, "csrf").is_empty());

        // A district makes it its own, stricter.
        let ha_dong = bidtrack::db::units::find_by_code(&db.conn, demo::HA_DONG)
            .await
            .expect("q")
            .expect("unit")
            .id;
        for (name, v) in [
            ("code", "hadong_2019_70".to_owned()),
            ("name", "Quận Hà Đông: 70%".to_owned()),
            ("unit_id", ha_dong.to_string()),
            ("min_count_percent", "70".to_owned()),
        ] {
            match fields.iter_mut().find(|(k, _)| k == name) {
                Some(slot) => slot.1 = v,
                None => fields.push((name.to_owned(), v)),
            }
        }
        let r = submit(&c, "/targets/new", &fields).await;
        assert_eq!(r.status, 303, "{}", r.text);
        let city = bidtrack::db::units::find_by_code(&db.conn, "HN")
            .await
            .expect("q")
            .expect("unit")
            .id;
        let api = c
            .get(&format!("/api/v1/compliance?unit_id={city}&year=2019"))
            .await
            .json();
        let row = api["by_unit"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|u| u["code"] == demo::HA_DONG)
            .expect("row")
            .clone();
        assert_eq!(row["targets"][0]["rule"]["code"], "hadong_2019_70");
        assert_eq!(row["targets"][0]["shortfall"], 2);
    }
);

/// Posts fields gathered from a rendered page (they carry the page's own CSRF token).
pub(crate) async fn submit(c: &Client, action: &str, fields: &[(String, String)]) -> Response {
    let sent: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    c.form(action, &sent).await
}

/// The form of a page as a browser would post it: its action and its fields.
pub(crate) fn posted(page: &Html) -> (String, Vec<(String, String)>) {
    let sel = Selector::parse("main form").expect("selector");
    let action = page
        .select(&sel)
        .next()
        .and_then(|f| f.value().attr("action"))
        .expect("a form with an action")
        .to_owned();
    (action, rendered_fields(page))
}

pub(crate) fn set(fields: &mut Vec<(String, String)>, name: &str, value: &str) {
    match fields.iter_mut().find(|(k, _)| k == name) {
        Some(slot) => slot.1 = value.to_owned(),
        None => fields.push((name.to_owned(), value.to_owned())),
    }
}

/// The signed-in frame of a page: who is signed in, and the logout form's CSRF token.
fn frame(page: &Html) -> (Vec<String>, Option<String>) {
    (
        texts(page, "header .who"),
        attr(
            page,
            "header form[action='/logout'] input[name=csrf]",
            "value",
        ),
    )
}

db_test!(
    every_form_comes_back_from_an_error_with_its_token_and_frame,
    |db: TestDb| async move {
        demo::load(&db.conn).await.expect("demo");
        let c = Client::new(&db);
        let unit = |code: &str| {
            let conn = db.conn.clone();
            let code = code.to_owned();
            async move {
                bidtrack::db::units::find_by_code(&conn, &code)
                    .await
                    .expect("q")
                    .expect("unit")
                    .id
                    .to_string()
            }
        };
        let ubnd = unit("HN-HADONG-UBND").await;
        let ha_dong = unit(demo::HA_DONG).await;
        let nq01 = c.get("/api/v1/targets?per_page=100").await.json()["items"][0]["id"]
            .as_i64()
            .expect("a rule");
        let package = c
            .get(&format!("/api/v1/packages?unit_id={ubnd}&per_page=1"))
            .await
            .json()["items"][0]["id"]
            .as_i64()
            .expect("a package");
        // (page, fields that make it valid, the field an officer gets wrong, its right value)
        type Case<'a> = (String, Vec<(&'a str, String)>, &'a str, &'a str);
        let cases: Vec<Case> = vec![
            (
                "/units/new".to_owned(),
                vec![
                    ("name", "Phường Mới".to_owned()),
                    ("kind", "commune".to_owned()),
                    ("parent_id", ha_dong.clone()),
                ],
                "code",
                "HN-HADONG-MOI",
            ),
            (
                format!("/units/{ha_dong}/edit"),
                vec![],
                "name",
                "Quận Hà Đông",
            ),
            (
                "/targets/new".to_owned(),
                vec![
                    ("name", "Chỉ tiêu thử".to_owned()),
                    ("year_from", "2022".to_owned()),
                    ("min_count_percent", "60".to_owned()),
                    ("competitive_offers", "all".to_owned()),
                ],
                "code",
                "thu_2022",
            ),
            (
                format!("/targets/{nq01}/edit"),
                vec![],
                "name",
                "Nghị quyết 01/NQ-CP (2019)",
            ),
            (
                "/packages/new".to_owned(),
                vec![
                    ("unit_id", ubnd.clone()),
                    // The demo's year: the district's units ended on 30 June 2025.
                    ("plan_year", "2019".to_owned()),
                    ("field", "goods".to_owned()),
                    ("method", "competitive_offers".to_owned()),
                    ("package_price_vnd", "100.000.000".to_owned()),
                ],
                "name",
                "Mua sắm bàn ghế",
            ),
            (
                format!("/packages/{package}/edit"),
                vec![],
                "name",
                "Gói thầu đã sửa",
            ),
            (
                format!("/packages/{package}/replan"),
                vec![("plan_year", "2020".to_owned())],
                "reason",
                "Chưa bố trí được vốn",
            ),
        ];
        for (url, valid, wrong, right) in cases {
            let first = doc(&c.get(&url).await);
            let token = attr(&first, "main form input[name=csrf]", "value").expect("token");
            assert!(!token.is_empty(), "{url}: the first render has its token");
            let (action, mut fields) = posted(&first);
            for (name, value) in &valid {
                set(&mut fields, name, value);
            }
            set(&mut fields, wrong, "");
            let r = submit(&c, &action, &fields).await;
            assert_eq!(r.status, 422, "{url}: {}", r.text);
            let again = doc(&r);
            assert_eq!(
                attr(&again, "main form input[name=csrf]", "value").as_deref(),
                Some(token.as_str()),
                "{url}: the form re-rendered after an error keeps the session's token"
            );
            assert_eq!(
                frame(&again),
                frame(&first),
                "{url}: and the signed-in frame"
            );
            assert!(
                !texts(&again, &format!("#{wrong}-error")).is_empty(),
                "{url}"
            );

            // Correcting the mistake on the page the server sent back saves it.
            let (action, mut fields) = posted(&again);
            set(&mut fields, wrong, right);
            let r = submit(&c, &action, &fields).await;
            assert_eq!(r.status, 303, "{url}: {}", r.text);
        }
    }
);

db_test!(
    an_officer_choosing_another_units_package_keeps_what_was_typed,
    |db: TestDb| async move {
        demo::load(&db.conn).await.expect("demo");
        let id = |code: &'static str| {
            let conn = db.conn.clone();
            async move {
                bidtrack::db::units::find_by_code(&conn, code)
                    .await
                    .expect("q")
                    .expect("unit")
                    .id
            }
        };
        let ha_dong = id(demo::HA_DONG).await;
        let hoan_kiem = id("HN-HOANKIEM").await;
        let officer = Client::as_role(&db, entity::Role::Officer, Some(ha_dong));

        // The unit choice offers the officer's own subtree only, own unit first chosen (in the
        // demo's year: the district ended on 30 June 2025).
        let page = doc(&officer.get("/packages/new?plan_year=2019").await);
        let offered: Vec<String> = page
            .select(&Selector::parse("select#unit_id option").expect("selector"))
            .filter_map(|o| o.value().attr("value").map(str::to_owned))
            .filter(|v| !v.is_empty())
            .collect();
        let subtree = bidtrack::db::units::subtree_ids(&db.conn, ha_dong)
            .await
            .expect("subtree");
        assert!(!offered.is_empty());
        assert!(
            offered
                .iter()
                .all(|v| subtree.contains(&v.parse::<i64>().expect("id"))),
            "{offered:?}"
        );
        assert_eq!(
            attr(&page, "select#unit_id option[selected]", "value"),
            Some(ha_dong.to_string())
        );

        // A unit elsewhere (an old bookmark, another tab) is refused beside the choice, and
        // nothing typed is lost.
        let (action, mut fields) = posted(&page);
        for (name, value) in [
            ("unit_id", hoan_kiem.to_string()),
            ("name", "Mua sắm máy chủ".to_owned()),
            ("field", "goods".to_owned()),
            ("method", "competitive_offers".to_owned()),
            ("package_price_vnd", "450.000.000".to_owned()),
        ] {
            set(&mut fields, name, &value);
        }
        let r = submit(&officer, &action, &fields).await;
        assert_eq!(r.status, 422, "{}", r.text);
        let again = doc(&r);
        assert_eq!(
            texts(&again, "#unit_id-error"),
            ["Bạn chỉ được chọn đơn vị của mình hoặc đơn vị trực thuộc"]
        );
        assert_eq!(
            attr(&again, "#name", "value").as_deref(),
            Some("Mua sắm máy chủ")
        );
        assert_eq!(
            attr(&again, "#package_price_vnd", "value").as_deref(),
            Some("450.000.000")
        );

        // Choosing the own unit on the page that came back saves it.
        let (action, mut fields) = posted(&again);
        set(&mut fields, "unit_id", &ha_dong.to_string());
        let r = submit(&officer, &action, &fields).await;
        assert_eq!(r.status, 303, "{}", r.text);

        // The same on the edit form: moving an own package elsewhere is a field error.
        let created = location(&r);
        let edit = doc(&officer.get(&format!("{created}/edit")).await);
        let (action, mut fields) = posted(&edit);
        set(&mut fields, "unit_id", &hoan_kiem.to_string());
        let r = submit(&officer, &action, &fields).await;
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(texts(&doc(&r), "#unit_id-error").len(), 1);
    }
);

db_test!(
    an_amount_that_reads_is_echoed_when_the_form_comes_back,
    |db: TestDb| async move {
        let c = Client::new(&db);
        let unit = c.unit("Q1", "district", None).await.to_string();
        let mut fields = vec![
            ("unit_id", unit.as_str()),
            ("name", ""),
            ("plan_year", "2019"),
            ("field", "goods"),
            ("method", "competitive_offers"),
            ("status", "planned"),
            ("package_price_vnd", "1,2 tỷ"),
        ];

        // Another field is missing: the price as typed, and what it was read as beside it.
        let r = c.form("/packages/new", &fields).await;
        assert_eq!(r.status, 422, "{}", r.text);
        let page = doc(&r);
        assert_eq!(
            attr(&page, "#package_price_vnd", "value").as_deref(),
            Some("1,2 tỷ")
        );
        assert_eq!(
            texts(&page, "#package_price_vnd-echo"),
            ["Đã đọc: 1.200.000.000 ₫ (Một tỷ hai trăm triệu đồng)"]
        );
        assert_eq!(
            attr(&page, "#package_price_vnd", "aria-describedby").as_deref(),
            Some("package_price_vnd-echo package_price_vnd-hint")
        );
        assert!(attr(&page, "#package_price_vnd", "aria-invalid").is_none());

        // A price read two ways says so, and nothing is echoed for it.
        fields[6] = ("package_price_vnd", "1.500 tỷ");
        let r = c.form("/packages/new", &fields).await;
        assert_eq!(r.status, 422, "{}", r.text);
        let page = doc(&r);
        assert_eq!(
            texts(&page, "#package_price_vnd-error"),
            ["Không rõ «1.500 tỷ» là 1500 tỷ hay 1,5 tỷ: hãy viết đúng một trong hai cách đó"]
        );
        assert!(texts(&page, ".echo").is_empty());

        // Corrected, it saves the amount read; a first render echoes nothing.
        fields[1] = ("name", "Mua sắm xe chuyên dùng");
        fields[6] = ("package_price_vnd", "1,2 tỷ");
        let to = location(&c.form("/packages/new", &fields).await);
        let id = to.trim_start_matches("/packages/");
        let api = c.get(&format!("/api/v1/packages/{id}")).await.json();
        assert_eq!(api["package_price_vnd"], 1_200_000_000i64);
        let edit = doc(&c.get(&format!("{to}/edit")).await);
        assert_eq!(
            attr(&edit, "#package_price_vnd", "value").as_deref(),
            Some("1.200.000.000")
        );
        assert!(texts(&edit, ".echo").is_empty());
    }
);
