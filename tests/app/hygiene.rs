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
