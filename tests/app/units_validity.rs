//! Units through the 2025 reorganisation: a package's unit must exist on the package's dates
//! (API, forms, imports; an old package breaking the rule still takes unrelated edits), the
//! successions between an ended unit and the units that took over (recorded, shown both ways,
//! audited, removed), the units of a year (`valid_in`, the package form's unit choice) and
//! `bidtrack check-data`.

use crate::client::{Client, Response};
use crate::db_test;
use crate::support::*;
use crate::web_forms::{attr, doc, location, texts};
use entity::{Field, Method, Role};
use sea_orm::{ActiveModelTrait, IntoActiveModel, NotSet};
use serde_json::{Value, json};
use std::process::Command;

/// The unit tree around 1 July 2025: a city, a district that ended on 30 June 2025 and two
/// wards that took over from it the next day.
struct Tree {
    city: i64,
    district: i64,
    ward1: i64,
    ward2: i64,
}

async fn unit(c: &Client, body: Value) -> i64 {
    let r = c.post("/api/v1/units", &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json()["id"].as_i64().expect("id")
}

async fn tree(c: &Client) -> Tree {
    let city = unit(
        c,
        json!({"code": "HN", "name": "Thành phố Hà Nội", "kind": "province"}),
    )
    .await;
    let district = unit(
        c,
        json!({"code": "HN-HD", "name": "Quận Hà Đông", "kind": "district",
        "parent_id": city, "valid_to": "2025-06-30"}),
    )
    .await;
    let ward1 = unit(
        c,
        json!({"code": "HN-HD-P1", "name": "Phường Hà Đông", "kind": "commune",
        "parent_id": city, "valid_from": "2025-07-01"}),
    )
    .await;
    let ward2 = unit(
        c,
        json!({"code": "HN-HD-P2", "name": "Phường Dương Nội", "kind": "commune",
        "parent_id": city, "valid_from": "2025-07-01"}),
    )
    .await;
    Tree {
        city,
        district,
        ward1,
        ward2,
    }
}

async fn succeed(c: &Client, from: i64, to: i64, kind: &str) -> Response {
    c.post(
        &format!("/api/v1/units/{from}/successions"),
        &json!({"successor_id": to, "kind": kind, "effective_date": "2025-07-01",
                "decision": "Nghị quyết 1656/NQ-UBTVQH15"}),
    )
    .await
}

/// The tree with the district split between the two wards.
async fn split_tree(c: &Client) -> Tree {
    let t = tree(c).await;
    for ward in [t.ward1, t.ward2] {
        let r = succeed(c, t.district, ward, "split").await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    t
}

/// The field error of a 422 problem on `field`.
fn field_error(r: &Response, field: &str) -> Value {
    let p = r.problem(422, "validation_failed");
    p["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .find(|e| e["field"] == field)
        .cloned()
        .unwrap_or_else(|| panic!("no error on {field}: {p}"))
}

fn package(unit: i64, name: &str, year: i32) -> Value {
    let mut body = package_body(unit, name);
    body["plan_year"] = json!(year);
    body
}

db_test!(
    a_package_on_an_ended_unit_is_refused_naming_its_successors,
    |db: TestDb| async move {
        let c = Client::new(&db);
        let t = split_tree(&c).await;

        let r = c
            .post(
                "/api/v1/packages",
                &package(t.district, "Mua máy tính", 2026),
            )
            .await;
        let e = field_error(&r, "unit_id");
        assert_eq!(e["code"], "unit_not_valid");
        assert_eq!(
            e["message"],
            "Quận Hà Đông đã kết thúc ngày 30/06/2025, trước kế hoạch năm 2026; đơn vị kế thừa: \
             Phường Hà Đông (HN-HD-P1), Phường Dương Nội (HN-HD-P2)"
        );
        // A planned month after the end, and a notice posted after it, are refused the same way.
        let mut july = package(t.district, "Tháng 7", 2025);
        july["planned_start_month"] = json!(7);
        let r = c.post("/api/v1/packages", &july).await;
        assert_eq!(field_error(&r, "unit_id")["code"], "unit_not_valid");
        let mut notice = package(t.district, "Thông báo muộn", 2025);
        notice["planned_start_month"] = json!(6);
        notice["notice_date"] = json!("2025-07-01");
        let r = c.post("/api/v1/packages", &notice).await;
        let e = field_error(&r, "unit_id");
        assert!(
            e["message"]
                .as_str()
                .is_some_and(|m| m.contains("ngày đăng tải thông báo mời thầu (01/07/2025)")),
            "{e}"
        );
        // Its last month and last day still belong to it.
        notice["notice_date"] = json!("2025-06-30");
        c.package(notice).await;

        // A successor before its first day.
        let r = c
            .post("/api/v1/packages", &package(t.ward1, "Quá sớm", 2024))
            .await;
        assert_eq!(
            field_error(&r, "unit_id")["message"],
            "Phường Hà Đông chỉ có hiệu lực từ ngày 01/07/2025, sau kế hoạch năm 2024"
        );
        let mut q2 = package(t.ward1, "Quý II", 2025);
        q2["planned_start_quarter"] = json!(2);
        let r = c.post("/api/v1/packages", &q2).await;
        assert_eq!(field_error(&r, "unit_id")["code"], "unit_not_valid");
        q2["planned_start_quarter"] = json!(3);
        c.package(q2).await;
        c.package(package(t.ward2, "Năm 2026", 2026)).await;
        c.package(package(t.city, "Thành phố 2019", 2019)).await;
    }
);

db_test!(
    an_old_package_breaking_the_rule_still_takes_unrelated_edits,
    |db: TestDb| async move {
        let c = Client::new(&db);
        let t = tree(&c).await;
        let created = c.package(package(t.ward1, "Gói cũ", 2026)).await;
        let id = created["id"].as_i64().expect("id");
        // The ward's dates are corrected afterwards: the package now breaks the rule.
        let r = c
            .patch(
                &format!("/api/v1/units/{}", t.ward1),
                &json!({"valid_from": "2027-01-01"}),
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let uri = format!("/api/v1/packages/{id}");
        let etag = c.get(&uri).await.header("etag").expect("etag").to_owned();
        let r = c
            .patch(&uri, &json!({"name": "Gói cũ (đổi tên)"}), Some(&etag))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let etag = r.header("etag").expect("etag").to_owned();
        // A change of what the rule reads is checked: re-planning to March.
        let r = c
            .json(
                axum::http::Method::POST,
                &format!("{uri}/replan"),
                &json!({"plan_year": 2026, "planned_start_month": 3,
                        "reason": "Điều chỉnh tiến độ", "decision_no": "12/QĐ-UBND",
                        "decision_date": "2026-02-01"}),
                Some(&etag),
            )
            .await;
        assert_eq!(
            field_error(&r, "unit_id")["message"],
            "Phường Hà Đông chỉ có hiệu lực từ ngày 01/01/2027, sau thời gian bắt đầu lựa chọn nhà thầu (tháng 3/2026)"
        );
        // Moving it to a unit valid in 2026 is accepted.
        let r = c
            .patch(&uri, &json!({"unit_id": t.ward2}), Some(&etag))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
);

db_test!(
    the_package_form_offers_the_units_of_its_year_and_refuses_an_ended_one,
    |db: TestDb| async move {
        let c = Client::new(&db);
        let t = split_tree(&c).await;
        let offered = |r: &Response| -> Vec<String> { texts(&doc(r), "select#unit_id option") };

        let y2019 = offered(&c.get("/packages/new?plan_year=2019").await);
        assert!(
            y2019.contains(&"Quận Hà Đông (HN-HD)".to_owned()),
            "{y2019:?}"
        );
        assert!(!y2019.iter().any(|o| o.contains("HN-HD-P1")), "{y2019:?}");
        let y2026 = offered(&c.get("/packages/new?plan_year=2026").await);
        assert!(
            y2026.contains(&"Phường Hà Đông (HN-HD-P1)".to_owned()),
            "{y2026:?}"
        );
        assert!(!y2026.iter().any(|o| o.contains("(HN-HD)")), "{y2026:?}");
        let y2025 = offered(&c.get("/packages/new?plan_year=2025").await);
        assert!(
            y2025.contains(&"Quận Hà Đông (HN-HD; đã kết thúc 30/06/2025)".to_owned()),
            "{y2025:?}"
        );
        assert!(
            y2025.contains(&"Phường Hà Đông (HN-HD-P1; từ 01/07/2025)".to_owned()),
            "{y2025:?}"
        );

        // The ended unit for 2026, kept as typed and explained beside the choice.
        let district = t.district.to_string();
        let page = c
            .get(&format!("/packages/new?unit_id={district}&plan_year=2026"))
            .await;
        let csrf = page.csrf();
        let r = c
            .form(
                "/packages/new",
                &[
                    ("csrf", csrf.as_str()),
                    ("unit_id", district.as_str()),
                    ("name", "Mua máy tính"),
                    ("plan_year", "2026"),
                    ("field", "goods"),
                    ("method", "competitive_offers"),
                    ("status", "planned"),
                    ("package_price_vnd", "500.000.000"),
                ],
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.text);
        let shown = doc(&r);
        assert_eq!(
            texts(&shown, "#unit_id-error"),
            [
                "Quận Hà Đông đã kết thúc ngày 30/06/2025, trước kế hoạch năm 2026; đơn vị kế thừa: Phường Hà Đông (HN-HD-P1), Phường Dương Nội (HN-HD-P2)"
            ]
        );
        assert_eq!(
            attr(&shown, "select#unit_id option[selected]", "value"),
            Some(district.clone())
        );
        assert_eq!(
            attr(&shown, "#name", "value").as_deref(),
            Some("Mua máy tính")
        );
    }
);

db_test!(
    an_import_row_on_an_ended_unit_is_a_row_error,
    |db: TestDb| async move {
        let c = Client::new(&db);
        split_tree(&c).await;
        let csv = "Mã đơn vị,Tên gói thầu,Năm kế hoạch,Lĩnh vực,Hình thức lựa chọn nhà thầu,Giá gói thầu,Qua mạng\n\
                   HN-HD,Gói năm 2019,2019,HH,CHCT,100000000,Có\n\
                   HN-HD,Gói năm 2026,2026,HH,CHCT,100000000,Có\n";
        let problem = c
            .post_bytes(
                "/api/v1/imports/packages",
                "text/csv",
                csv.as_bytes().to_vec(),
            )
            .await
            .problem(422, "import_rejected");
        let errors = problem["report"]["errors"].as_array().expect("errors");
        assert_eq!(errors.len(), 1, "{problem}");
        assert_eq!(errors[0]["row"], 3);
        assert_eq!(errors[0]["column"], "Mã đơn vị");
        assert_eq!(errors[0]["value"], "HN-HD");
        assert!(
            errors[0]["message"].as_str().is_some_and(|m| m.starts_with(
                "Quận Hà Đông đã kết thúc ngày 30/06/2025, trước kế hoạch năm 2026; đơn vị kế thừa: Phường Hà Đông (HN-HD-P1)"
            )),
            "{problem}"
        );
        let list = c.get("/api/v1/packages").await.json();
        assert_eq!(list["total"], 0, "all or nothing");
    }
);

db_test!(
    successions_are_the_administrators_checked_shown_both_ways_and_audited,
    |db: TestDb| async move {
        let c = Client::new(&db);
        let t = tree(&c).await;
        let officer = Client::as_role(&db, Role::Officer, Some(t.city));
        succeed(&officer, t.district, t.ward1, "split")
            .await
            .problem(403, "forbidden");

        let post = |from: i64, body: Value| {
            let c = &c;
            async move {
                c.post(&format!("/api/v1/units/{from}/successions"), &body)
                    .await
            }
        };
        let r = post(
            t.district,
            json!({"successor_id": t.ward1, "kind": "split", "effective_date": "2025-07-02"}),
        )
        .await;
        let e = field_error(&r, "effective_date");
        assert_eq!(e["code"], "effective_date_mismatch");
        assert_eq!(
            e["message"],
            "Ngày kế thừa phải là 01/07/2025, ngày sau ngày hết hiệu lực của Quận Hà Đông (30/06/2025)"
        );
        let r = post(
            t.city,
            json!({"successor_id": t.ward1, "kind": "merge", "effective_date": "2025-07-01"}),
        )
        .await;
        assert_eq!(
            field_error(&r, "effective_date")["code"],
            "predecessor_not_ended"
        );
        let r = post(
            t.district,
            json!({"successor_id": t.district, "kind": "rename", "effective_date": "2025-07-01"}),
        )
        .await;
        assert_eq!(field_error(&r, "successor_id")["code"], "same_unit");
        let late = unit(
            &c,
            json!({"code": "HN-LATE", "name": "Phường Mới", "kind": "commune",
            "parent_id": t.city, "valid_from": "2025-08-01"}),
        )
        .await;
        let r = post(
            t.district,
            json!({"successor_id": late, "kind": "split", "effective_date": "2025-07-01"}),
        )
        .await;
        assert_eq!(
            field_error(&r, "successor_id")["code"],
            "successor_not_valid"
        );
        let r = post(
            t.district,
            json!({"successor_id": 999_999, "kind": "split", "effective_date": "2025-07-01"}),
        )
        .await;
        assert_eq!(field_error(&r, "successor_id")["code"], "unknown_unit");
        post(
            999_999,
            json!({"successor_id": t.ward1, "kind": "split", "effective_date": "2025-07-01"}),
        )
        .await
        .problem(404, "not_found");

        let first = succeed(&c, t.district, t.ward1, "split").await;
        assert_eq!(first.status, 201, "{}", first.text);
        let sid = first.json()["id"].as_i64().expect("id");
        assert_eq!(first.json()["kind_label"], "Chia tách");
        succeed(&c, t.district, t.ward1, "split")
            .await
            .problem(409, "duplicate_succession");
        // A split is not also a merge into another unit.
        let r = succeed(&c, t.district, t.ward2, "merge").await;
        assert_eq!(field_error(&r, "kind")["code"], "kind_conflict");
        let second = succeed(&c, t.district, t.ward2, "split").await;
        assert_eq!(second.status, 201, "{}", second.text);

        // Both directions, in the API.
        let district = c.get(&format!("/api/v1/units/{}", t.district)).await.json();
        let codes = |v: &Value| -> Vec<String> {
            v.as_array()
                .expect("list")
                .iter()
                .map(|l| l["unit"]["code"].as_str().unwrap_or_default().to_owned())
                .collect()
        };
        assert_eq!(codes(&district["successors"]), ["HN-HD-P1", "HN-HD-P2"]);
        assert_eq!(codes(&district["predecessors"]), Vec::<String>::new());
        let ward = c.get(&format!("/api/v1/units/{}", t.ward1)).await.json();
        assert_eq!(codes(&ward["predecessors"]), ["HN-HD"]);
        assert_eq!(ward["predecessors"][0]["effective_date"], "2025-07-01");
        assert_eq!(
            ward["predecessors"][0]["decision"],
            "Nghị quyết 1656/NQ-UBTVQH15"
        );
        let listed = c.get("/api/v1/units?q=phuong%20duong%20noi").await.json();
        assert_eq!(codes(&listed["items"][0]["predecessors"]), ["HN-HD"]);

        // Both directions, on the unit page.
        let page = doc(&c.get(&format!("/units/{}", t.ward1)).await);
        assert_eq!(texts(&page, "h2#predecessors"), ["Đơn vị tiền nhiệm"]);
        assert_eq!(
            attr(&page, "table.successions a", "href"),
            Some(format!("/units/{}", t.district))
        );
        let page = doc(&c.get(&format!("/units/{}", t.district)).await);
        let rows = texts(&page, "table.successions tbody tr");
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert!(rows[0].starts_with("Phường Hà Đông (HN-HD-P1)"), "{rows:?}");

        // Audited, and removable.
        let audit = c.get("/api/v1/audit?entity=unit_succession").await.json();
        assert_eq!(audit["total"], 2, "{audit}");
        assert_eq!(audit["items"][1]["entity_id"], sid);
        assert_eq!(audit["items"][1]["action"], "create");
        officer
            .delete(
                &format!("/api/v1/units/{}/successions/{sid}", t.district),
                None,
            )
            .await
            .problem(403, "forbidden");
        c.delete(&format!("/api/v1/units/{}/successions/{sid}", t.city), None)
            .await
            .problem(404, "not_found");
        let r = c
            .delete(
                &format!("/api/v1/units/{}/successions/{sid}", t.district),
                None,
            )
            .await;
        assert_eq!(r.status, 204, "{}", r.text);
        let district = c.get(&format!("/api/v1/units/{}", t.district)).await.json();
        assert_eq!(codes(&district["successors"]), ["HN-HD-P2"]);
        let audit = c.get("/api/v1/audit?entity=unit_succession").await.json();
        assert_eq!(audit["total"], 3);
        assert_eq!(audit["items"][0]["action"], "delete");
    }
);

db_test!(
    the_unit_page_records_and_removes_a_succession,
    |db: TestDb| async move {
        let c = Client::new(&db);
        let t = tree(&c).await;
        let uri = format!("/units/{}", t.district);
        let page = c.get(&uri).await;
        assert_eq!(page.status, 200);
        let shown = doc(&page);
        assert_eq!(
            attr(&shown, "#effective_date", "value").as_deref(),
            Some("01/07/2025"),
            "the day after the end, to start from"
        );
        // The successors offered exist on that day.
        let offered = texts(&shown, "select#successor_id option");
        assert!(
            offered.contains(&"Phường Hà Đông (HN-HD-P1)".to_owned()),
            "{offered:?}"
        );
        assert!(
            !offered.iter().any(|o| o.contains("(HN-HD)")),
            "{offered:?}"
        );
        let csrf = page.csrf();
        let ward = t.ward1.to_string();
        let r = c
            .form(
                &format!("{uri}/successions"),
                &[
                    ("csrf", csrf.as_str()),
                    ("successor_id", ward.as_str()),
                    ("kind", "split"),
                    ("effective_date", "02/07/2025"),
                    ("decision", "NQ 1656"),
                ],
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.text);
        let shown = doc(&r);
        assert_eq!(
            texts(&shown, "#effective_date-error"),
            [
                "Ngày kế thừa phải là 01/07/2025, ngày sau ngày hết hiệu lực của Quận Hà Đông (30/06/2025)"
            ]
        );
        assert_eq!(
            attr(&shown, "#effective_date", "value").as_deref(),
            Some("02/07/2025")
        );
        assert_eq!(
            attr(&shown, "#decision", "value").as_deref(),
            Some("NQ 1656")
        );
        assert_eq!(
            attr(&shown, "select#successor_id option[selected]", "value"),
            Some(ward.clone())
        );

        let r = c
            .form(
                &format!("{uri}/successions"),
                &[
                    ("csrf", csrf.as_str()),
                    ("successor_id", ward.as_str()),
                    ("kind", "split"),
                    ("effective_date", "01/07/2025"),
                    ("decision", "NQ 1656"),
                ],
            )
            .await;
        assert_eq!(location(&r), uri);
        let page = c.get_after(&uri, &r).await;
        let shown = doc(&page);
        let rows = texts(&shown, "table.successions tbody tr");
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert!(
            rows[0].contains("Chia tách") && rows[0].contains("NQ 1656"),
            "{rows:?}"
        );

        // Removal, from the button the page shows.
        let action = attr(&shown, "table.successions form", "action").expect("remove form");
        let r = c.form(&action, &[("csrf", page.csrf().as_str())]).await;
        assert_eq!(location(&r), uri);
        let shown = doc(&c.get(&uri).await);
        assert!(texts(&shown, "table.successions tbody tr").is_empty());

        // Officers see the successions but no form.
        let officer = Client::as_role(&db, Role::Officer, Some(t.city));
        let shown = doc(&officer.get(&uri).await);
        assert!(texts(&shown, "form.succession").is_empty());
        let r = officer
            .form(
                &format!("{uri}/successions"),
                &[
                    ("successor_id", ward.as_str()),
                    ("kind", "split"),
                    ("effective_date", "01/07/2025"),
                ],
            )
            .await;
        assert_eq!(r.status, 403);
    }
);

db_test!(units_valid_in_a_year, |db: TestDb| async move {
    let c = Client::new(&db);
    tree(&c).await;
    let codes = |r: Response| -> Vec<String> {
        assert_eq!(r.status, 200, "{}", r.text);
        r.json()["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|u| u["code"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(
        codes(c.get("/api/v1/units?valid_in=2019").await),
        ["HN", "HN-HD"]
    );
    assert_eq!(
        codes(c.get("/api/v1/units?valid_in=2025").await),
        ["HN", "HN-HD", "HN-HD-P1", "HN-HD-P2"]
    );
    assert_eq!(
        codes(c.get("/api/v1/units?valid_in=2026").await),
        ["HN", "HN-HD-P1", "HN-HD-P2"]
    );
    assert_eq!(
        codes(c.get("/api/v1/units?valid_on=2025-06-30").await),
        ["HN", "HN-HD"]
    );
    assert_eq!(
        codes(c.get("/api/v1/units?valid_on=2025-07-01").await),
        ["HN", "HN-HD-P1", "HN-HD-P2"]
    );
    let p = c
        .get("/api/v1/units?valid_in=1999")
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "valid_in");
});

fn check_data(url: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_bidtrack"))
        .arg("check-data")
        .env("DATABASE_URL", url)
        .env_remove("RUST_LOG")
        .output()
        .expect("run bidtrack")
}

db_test!(
    check_data_lists_what_breaks_the_rules,
    |db: TestDb| async move {
        let c = Client::new(&db);
        let t = split_tree(&c).await;
        c.package(package(t.district, "Gói 2019", 2019)).await;
        c.package(package(t.ward1, "Gói 2026", 2026)).await;

        let clean = check_data(&db.url);
        let out = String::from_utf8_lossy(&clean.stdout).into_owned();
        assert_eq!(
            clean.status.code(),
            Some(0),
            "{out}{}",
            String::from_utf8_lossy(&clean.stderr)
        );
        assert!(
            out.contains("packages whose unit was not valid at their dates: 0"),
            "{out}"
        );
        assert!(out.ends_with("no problems found\n"), "{out}");

        // What data written before the rules could hold: a package on the district in 2026,
        // a succession a day late, two packages holding versions of one notice.
        let now = chrono::Utc::now();
        let insert = |p: bidtrack::services::packages::NewPackage, code: Option<&str>| {
            let conn = db.conn.clone();
            let code = code.map(str::to_owned);
            async move {
                let mut m = p.into_model(0, 1, now, now);
                m.code = code;
                let mut active = m.into_active_model().reset_all();
                active.id = NotSet;
                active.insert(&conn).await.expect("insert").id
            }
        };
        let goods = |unit: i64, name: &str, year: i32| {
            let mut p = new_package(unit, name, Method::OpenBidding, Field::Goods, BN, true);
            p.plan_year = year;
            p
        };
        let bad = insert(goods(t.district, "Gói nhập trước quy tắc", 2026), None).await;
        let bare = insert(goods(t.city, "Thông báo", 2019), Some("IB1800012345")).await;
        let suffixed = insert(
            goods(t.city, "Thông báo (sửa)", 2019),
            Some("IB1800012345-01"),
        )
        .await;
        entity::unit_succession::ActiveModel {
            id: NotSet,
            predecessor_id: sea_orm::Set(t.city),
            successor_id: sea_orm::Set(t.ward2),
            kind: sea_orm::Set(entity::SuccessionKind::Transfer),
            effective_date: sea_orm::Set(
                chrono::NaiveDate::from_ymd_opt(2025, 7, 2).expect("date"),
            ),
            decision: sea_orm::Set(None),
            created_by: sea_orm::Set(None),
            created_at: sea_orm::Set(now),
        }
        .insert(&db.conn)
        .await
        .expect("succession");

        let found = check_data(&db.url);
        let out = String::from_utf8_lossy(&found.stdout).into_owned();
        assert_eq!(found.status.code(), Some(1), "{out}");
        assert!(
            out.contains(&format!(
                "packages whose unit was not valid at their dates: 1\n  package {bad} «Gói nhập trước quy tắc», Quận Hà Đông (HN-HD), 2026: Quận Hà Đông đã kết thúc ngày 30/06/2025, trước kế hoạch năm 2026; đơn vị kế thừa: Phường Hà Đông (HN-HD-P1), Phường Dương Nội (HN-HD-P2)\n"
            )),
            "{out}"
        );
        assert!(
            out.contains("successions inconsistent with unit dates: 1\n"),
            "{out}"
        );
        assert!(
            out.contains("Thành phố Hà Nội chưa có ngày hết hiệu lực"),
            "{out}"
        );
        assert!(
            out.contains(&format!(
                "notices held by more than one package: 1\n  IB1800012345: package {bare} (IB1800012345), package {suffixed} (IB1800012345-01)\n"
            )),
            "{out}"
        );
        assert!(
            out.ends_with("3 problem(s) found; nothing was changed\n"),
            "{out}"
        );
        let err = String::from_utf8_lossy(&found.stderr).into_owned();
        assert_eq!(err, "error: check-data found 3 problem(s)\n");
        // Nothing was changed.
        let list = c.get("/api/v1/packages?per_page=10").await.json();
        assert_eq!(list["total"], 5);
    }
);
