//! A planned start given as a quarter ("Quý II"): stored, read at its first month for the
//! regime, never together with a month, and the same through the API, the form, the import and
//! the OCDS export.

use crate::client::Client;
use crate::db_test;
use crate::support::*;
use crate::web_forms::{doc, location, posted, set, submit, texts};
use entity::UnitKind;

db_test!(a_quarter_through_every_door, |db: TestDb| async move {
    let unit = add_unit(&db.conn, "HN-HD", UnitKind::District, None)
        .await
        .id;
    let c = Client::new(&db);

    // API: quarter III of 2025 starts under Decree 24/2024 and ends under Decree 214/2025.
    let mut body = package_body(unit, "Gói quý III");
    body["plan_year"] = 2025.into();
    body["planned_start_quarter"] = 3.into();
    let p = c.package(body.clone()).await;
    assert_eq!(p["planned_start_quarter"], 3);
    assert_eq!(p["planned_start_month"], serde_json::Value::Null);
    assert_eq!(p["regime"], "law22_decree24", "{p}");
    assert!(
        p["warnings"]
            .as_array()
            .expect("warnings")
            .iter()
            .any(|w| w["code"] == "quarter_spans_regimes"),
        "{p}"
    );
    body["planned_start_month"] = 8.into();
    body["name"] = "Gói tháng và quý".into();
    let both = c.post("/api/v1/packages", &body).await;
    assert_eq!(both.status, 422, "{}", both.text);
    assert_eq!(both.json()["errors"][0]["field"], "planned_start_quarter");
    body["planned_start_quarter"] = 5.into();
    body["planned_start_month"] = serde_json::Value::Null;
    assert_eq!(c.post("/api/v1/packages", &body).await.status, 422);

    // The form offers the quarters and the page reads them back.
    let form = doc(&c.get("/packages/new").await);
    assert_eq!(
        texts(&form, "select#planned_start_quarter option"),
        ["Chưa xác định", "Quý I", "Quý II", "Quý III", "Quý IV"]
    );
    let (action, mut fields) = posted(&form);
    for (name, value) in [
        ("unit_id", unit.to_string()),
        ("name", "Gói quý II".to_owned()),
        ("plan_year", "2019".to_owned()),
        ("planned_start_quarter", "2".to_owned()),
        ("field", "goods".to_owned()),
        ("method", "competitive_offers".to_owned()),
        ("package_price_vnd", "500.000.000".to_owned()),
    ] {
        set(&mut fields, name, &value);
    }
    let page = doc(&c.get(&location(&submit(&c, &action, &fields).await)).await);
    assert!(
        texts(&page, "#fields + dl.facts dd").contains(&"Quý II".to_owned()),
        "{:?}",
        texts(&page, "#fields + dl.facts dd")
    );

    // The import reads "Quý II", and a file that carries the month replaces the quarter.
    let csv = "Mã đơn vị,Tên gói thầu,Số TBMT,Năm kế hoạch,Quý bắt đầu lựa chọn,Lĩnh vực,Hình thức lựa chọn nhà thầu,Giá gói thầu,Qua mạng\n\
               HN-HD,Gói nhập theo quý,IB1900000077,2019,Quý IV,HH,CHCT,500.000.000,Có\n";
    let r = c
        .post_bytes(
            "/api/v1/imports/packages",
            "text/csv",
            csv.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let imported = |list: serde_json::Value| {
        list["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|p| p["name"] == "Gói nhập theo quý")
            .cloned()
            .expect("imported")
    };
    let list = c.get("/api/v1/packages?per_page=100").await.json();
    assert_eq!(imported(list)["planned_start_quarter"], 4);
    let by_month = "Mã đơn vị,Tên gói thầu,Số TBMT,Năm kế hoạch,Tháng bắt đầu lựa chọn,Lĩnh vực,Hình thức lựa chọn nhà thầu,Giá gói thầu,Qua mạng\n\
                    HN-HD,Gói nhập theo quý,IB1900000077,2019,11,HH,CHCT,500.000.000,Có\n";
    let r = c
        .post_bytes(
            "/api/v1/imports/packages",
            "text/csv",
            by_month.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let again = imported(c.get("/api/v1/packages?per_page=100").await.json());
    assert_eq!(
        (
            &again["planned_start_month"],
            &again["planned_start_quarter"]
        ),
        (&serde_json::json!(11), &serde_json::Value::Null)
    );

    // OCDS: a quarter's tender period is the quarter.
    let ocds = c
        .get(&format!(
            "/api/v1/ocds/release-package?unit_id={unit}&year=2019"
        ))
        .await
        .json();
    let period = ocds["releases"]
        .as_array()
        .expect("releases")
        .iter()
        .find(|r| r["tender"]["title"] == "Gói quý II")
        .expect("the quarter's package")["tender"]["tenderPeriod"]
        .clone();
    assert_eq!(
        (
            period["startDate"].as_str().map(|d| &d[..10]),
            period["endDate"].as_str().map(|d| &d[..10])
        ),
        (Some("2019-04-01"), Some("2019-06-30"))
    );
});
