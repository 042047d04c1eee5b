//! A package's life (issue 19): transitions and what each step needs, the events they leave,
//! re-planning that moves the figures of two years, tax codes, notice versions and the evidence
//! of "online".

use crate::client::{Client, Response};
use crate::db_test;
use crate::support::*;
use serde_json::{Value, json};

fn etag(r: &Response) -> String {
    r.header("etag").expect("etag").to_owned()
}

async fn move_to(c: &Client, id: i64, tag: &str, to: &str, fields: Value) -> Response {
    c.json(
        axum::http::Method::POST,
        &format!("/api/v1/packages/{id}/transitions"),
        &json!({"to": to, "fields": fields}),
        Some(tag),
    )
    .await
}

fn fields_of(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
        .collect()
}

db_test!(
    every_transition_and_what_it_needs,
    |db: TestDb| async move {
        let c = Client::new(&db);
        let unit = c.unit("D", "district", None).await;
        let mut body = package_body(unit, "Mua máy tính");
        body["online"] = json!(true);
        let p = c.package(body).await;
        let id = p["id"].as_i64().expect("id");
        let url = format!("/api/v1/packages/{id}");

        // A notice needs its code and its posting date.
        let r = move_to(&c, id, "\"1\"", "notice_published", json!({})).await;
        let problem = r.problem(422, "validation_failed");
        assert_eq!(fields_of(&problem), ["code", "notice_date"]);
        assert!(
            problem["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("số thông báo mời thầu")),
            "{problem}"
        );
        // The version suffix is split off the notice code.
        let r = move_to(
            &c,
            id,
            "\"1\"",
            "notice_published",
            json!({"code": "ib1900012345-01", "notice_date": "2019-03-01", "bid_closing_at": "2019-03-11T09:30:00+07:00"}),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let p = r.json();
        assert_eq!(p["status"], "notice_published");
        assert_eq!(p["code"], "IB1900012345");
        assert_eq!(p["notice_version"], 1);
        assert_eq!(p["bid_closing_at"], "2019-03-11T09:30:00+07:00");
        let tag = etag(&r);

        // Nothing goes back.
        let r = move_to(&c, id, &tag, "planned", json!({})).await;
        let problem = r.problem(422, "validation_failed");
        assert_eq!(problem["errors"][0]["code"], "impossible_move");
        // Nor through an edit.
        let r = c
            .patch(&url, &json!({"status": "planned"}), Some(&tag))
            .await;
        assert_eq!(
            r.problem(422, "validation_failed")["errors"][0]["code"],
            "impossible_move"
        );

        let r = move_to(&c, id, &tag, "under_evaluation", json!({"bidder_count": 4})).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let tag = etag(&r);

        // An award needs its decision, date, winning price and contractor; the tax code is
        // checked.
        let r = move_to(
            &c,
            id,
            &tag,
            "awarded",
            json!({"winning_price_vnd": 450_000_000i64}),
        )
        .await;
        let problem = r.problem(422, "validation_failed");
        let mut missing = fields_of(&problem);
        missing.sort_unstable();
        assert_eq!(
            missing,
            ["award_decision_no", "contractor_name", "result_date"]
        );
        let award = |tax: &str| {
            json!({"winning_price_vnd": 450_000_000i64, "award_decision_no": "25/QĐ-UBND",
                   "result_date": "2019-04-02", "contractor_name": "Công ty A",
                   "contractor_tax_code": tax, "contract_duration_days": 60})
        };
        let r = move_to(&c, id, &tag, "awarded", award("0100109107")).await;
        let problem = r.problem(422, "validation_failed");
        assert_eq!(problem["errors"][0]["code"], "tax_code_check_digit");
        assert!(
            problem["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("phải là 6")),
            "{problem}"
        );
        let r = move_to(&c, id, &tag, "awarded", award("0100109106-000")).await;
        assert_eq!(
            r.problem(422, "validation_failed")["errors"][0]["code"],
            "tax_code_branch"
        );
        let r = move_to(&c, id, &tag, "awarded", award("0100 109 106-001")).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json()["contractor_tax_code"], "0100109106-001");
        assert!(
            !r.json()["warnings"]
                .as_array()
                .expect("warnings")
                .iter()
                .any(|w| w["code"] == "online_not_evidenced"),
            "an e-GP code with a posting date is evidence"
        );
        let tag = etag(&r);

        // Cancelling needs a reason; a cancelled package stays cancelled.
        let r = move_to(&c, id, &tag, "cancelled", json!({})).await;
        assert_eq!(
            fields_of(&r.problem(422, "validation_failed")),
            ["cancellation_reason"]
        );
        let r = move_to(
            &c,
            id,
            &tag,
            "cancelled",
            json!({"cancellation_reason": "Hủy kết quả theo kết luận thanh tra", "cancellation_decision_no": "30/QĐ-UBND"}),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let tag = etag(&r);
        let r = move_to(&c, id, &tag, "awarded", json!({})).await;
        assert_eq!(
            r.problem(422, "validation_failed")["errors"][0]["code"],
            "impossible_move"
        );

        // The events: who, when, from, to, with the decisions.
        let events = c.get(&format!("{url}/events")).await;
        assert_eq!(events.status, 200, "{}", events.text);
        let moves: Vec<(Value, Value)> = events
            .json()
            .as_array()
            .expect("events")
            .iter()
            .map(|e| (e["from_status"].clone(), e["to_status"].clone()))
            .collect();
        assert_eq!(
            moves,
            [
                (Value::Null, json!("planned")),
                (json!("planned"), json!("notice_published")),
                (json!("notice_published"), json!("under_evaluation")),
                (json!("under_evaluation"), json!("awarded")),
                (json!("awarded"), json!("cancelled")),
            ]
        );
        let events = events.json();
        assert_eq!(events[3]["decision_no"], "25/QĐ-UBND");
        assert_eq!(events[4]["reason"], "Hủy kết quả theo kết luận thanh tra");
        assert!(events[1]["user_id"].is_i64(), "who moved it");

        // The page shows the timeline.
        let page = crate::web_forms::doc(&c.get(&format!("/packages/{id}")).await);
        let lines = crate::web_forms::texts(&page, "ol.timeline li .what");
        assert_eq!(lines.len(), 5, "{lines:?}");
        assert!(
            lines[3].contains("Đã có kết quả lựa chọn nhà thầu"),
            "{lines:?}"
        );
    }
);

db_test!(notice_versions_are_one_package, |db: TestDb| async move {
    let c = Client::new(&db);
    let unit = c.unit("D", "district", None).await;
    let mut body = package_body(unit, "Gói A");
    body["code"] = json!("IB1800012345-00");
    let p = c.package(body).await;
    assert_eq!(p["code"], "IB1800012345");
    assert_eq!(p["notice_version"], 0);
    let mut again = package_body(unit, "Gói A bản sửa");
    again["code"] = json!("IB1800012345-01");
    let r = c.post("/api/v1/packages", &again).await;
    assert_eq!(r.status, 409, "{}", r.text);
    // Older numbering keeps its suffix.
    let mut old = package_body(unit, "Gói cũ");
    old["code"] = json!("20150812345-00");
    assert_eq!(c.package(old).await["code"], "20150812345-00");
});

db_test!(
    replanning_moves_the_figures_of_both_years,
    |db: TestDb| async move {
        let c = Client::new(&db);
        let unit = c.unit("D", "district", None).await;
        let p = c.package(package_body(unit, "Gói dời năm")).await;
        let id = p["id"].as_i64().expect("id");
        let in_scope = |year: i32| {
            let c = &c;
            async move {
                c.get(&format!("/api/v1/compliance?unit_id={unit}&year={year}"))
                    .await
                    .json()["targets"][0]["in_scope"]
                    .as_i64()
            }
        };
        assert_eq!(in_scope(2019).await, Some(1));
        assert_eq!(in_scope(2020).await, Some(0));

        // An edit cannot move it.
        let r = c
            .patch(
                &format!("/api/v1/packages/{id}"),
                &json!({"plan_year": 2020}),
                Some("\"1\""),
            )
            .await;
        assert_eq!(
            r.problem(422, "validation_failed")["errors"][0]["code"],
            "replan_required"
        );
        // Re-planning needs a reason.
        let replan = |body: Value| {
            let c = &c;
            async move {
                c.json(
                    axum::http::Method::POST,
                    &format!("/api/v1/packages/{id}/replan"),
                    &body,
                    Some("\"1\""),
                )
                .await
            }
        };
        let r = replan(json!({"plan_year": 2020, "reason": "  "})).await;
        assert_eq!(r.status, 422, "{}", r.text);
        let r = replan(json!({"plan_year": 2020, "planned_start_quarter": 2,
                              "reason": "Chưa bố trí được vốn năm 2019",
                              "decision_no": "40/QĐ-UBND", "decision_date": "2019-11-20"}))
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json()["plan_year"], 2020);
        assert_eq!(in_scope(2019).await, Some(0));
        assert_eq!(in_scope(2020).await, Some(1));

        let events = c.get(&format!("/api/v1/packages/{id}/events")).await.json();
        let last = &events[events.as_array().expect("events").len() - 1];
        assert_eq!(last["kind"], "replanned");
        assert_eq!(
            (
                last["from_year"].clone(),
                last["to_year"].clone(),
                last["to_quarter"].clone()
            ),
            (json!(2019), json!(2020), json!(2))
        );
        assert_eq!(last["reason"], "Chưa bố trí được vốn năm 2019");
        let page = crate::web_forms::doc(&c.get(&format!("/packages/{id}")).await);
        let lines = crate::web_forms::texts(&page, "ol.timeline li .what");
        assert!(
            lines.iter().any(|l| l.contains("năm 2019 → Quý II/2020")),
            "{lines:?}"
        );
    }
);

db_test!(
    the_result_view_counts_evidenced_online_only,
    |db: TestDb| async move {
        let c = Client::new(&db);
        let unit = c.unit("D", "district", None).await;
        // Awarded without a notice (a skipped step), declared online.
        let mut body = package_body(unit, "Gói ghi qua mạng");
        for (k, v) in [
            ("online", json!(true)),
            ("status", json!("awarded")),
            ("award_decision_no", json!("9/QĐ-UBND")),
            ("result_date", json!("2019-05-02")),
            ("winning_price_vnd", json!(450_000_000i64)),
            ("contractor_name", json!("Công ty A")),
        ] {
            body[k] = v;
        }
        let p = c.package(body).await;
        let id = p["id"].as_i64().expect("id");
        assert_eq!(p["evidenced"], false);
        assert!(
            p["warnings"]
                .as_array()
                .expect("warnings")
                .iter()
                .any(|w| w["code"] == "online_not_evidenced"),
            "{p}"
        );
        let figures = |view: &'static str| {
            let c = &c;
            async move {
                let t = c
                    .get(&format!(
                        "/api/v1/compliance?unit_id={unit}&year=2019&view={view}"
                    ))
                    .await
                    .json()["targets"][0]
                    .clone();
                (t["in_scope"].as_i64(), t["online"].as_i64())
            }
        };
        assert_eq!(
            figures("plan").await,
            (Some(1), Some(1)),
            "the plan counts the intention"
        );
        assert_eq!(
            figures("result").await,
            (Some(1), Some(0)),
            "the result, evidence only"
        );
        let listed = |q: &'static str| {
            let c = &c;
            async move {
                c.get(&format!("/api/v1/packages?unit_id={unit}&{q}"))
                    .await
                    .json()["total"]
                    .as_i64()
            }
        };
        assert_eq!(listed("evidenced=false").await, Some(1));
        assert_eq!(listed("evidenced=true").await, Some(0));
        // The dashboard counts it and links to the register of such packages.
        let home = crate::web_forms::doc(&c.get(&format!("/?unit_id={unit}&year=2019")).await);
        let link = crate::web_forms::attr(&home, ".unevidenced-count a", "href").expect("link");
        assert!(
            crate::web_forms::texts(&home, ".unevidenced-count a")[0].starts_with("1 gói"),
            "{link}"
        );
        let register = crate::web_forms::doc(&c.get(&link).await);
        assert_eq!(
            crate::web_forms::texts(&register, ".badge.unevidenced").len(),
            1,
            "the register flags it"
        );

        // Its notice on the national system is the evidence.
        let r = c
            .patch(
                &format!("/api/v1/packages/{id}"),
                &json!({"code": "IB1900054321", "notice_date": "2019-03-01"}),
                Some("\"1\""),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json()["evidenced"], true);
        assert_eq!(figures("result").await, (Some(1), Some(1)));
        assert_eq!(listed("evidenced=false").await, Some(0));
        assert_eq!(listed("evidenced=true").await, Some(1));
        // A code of another form is no evidence.
        let r = c
            .patch(
                &format!("/api/v1/packages/{id}"),
                &json!({"code": "20190354321-00"}),
                Some("\"2\""),
            )
            .await;
        assert_eq!(r.json()["evidenced"], false);
        assert_eq!(figures("result").await, (Some(1), Some(0)));
    }
);

db_test!(
    the_package_list_exported_and_imported_keeps_every_field,
    |db: TestDb| async move {
        let c = Client::new(&db);
        let unit = c.unit("D", "district", None).await;
        let mut body = package_body(unit, "Gói đủ hồ sơ");
        for (k, v) in [
            ("code", json!("IB1900012399-02")),
            ("plan_code", json!("PL1900001234")),
            ("planned_start_quarter", json!(2)),
            ("online", json!(true)),
            ("procedure", json!("one_stage_one_envelope")),
            ("contract_type", json!("lump_sum")),
            ("funding_source", json!("Ngân sách quận")),
            ("notice_date", json!("2019-04-03")),
            ("bid_closing_at", json!("2019-04-13T09:30:00+07:00")),
            ("procuring_entity", json!("Ban QLDA quận")),
            ("status", json!("awarded")),
            ("bidder_count", json!(4)),
            ("award_decision_no", json!("77/QĐ-UBND")),
            ("result_date", json!("2019-05-02")),
            ("winning_price_vnd", json!(470_000_000i64)),
            ("contractor_name", json!("Công ty A")),
            ("contractor_tax_code", json!("0100109106-002")),
            ("contract_duration_days", json!(75)),
            ("cancellation_decision_no", json!("1/QĐ")),
            ("cancellation_reason", json!("Ghi thử")),
            ("notes", json!("dòng 1\ndòng 2")),
        ] {
            body[k] = v;
        }
        let before = c.package(body).await;
        let id = before["id"].as_i64().expect("id");
        let csv = c
            .get(&format!(
                "/api/v1/reports/packages?unit_id={unit}&plan_year=2019&format=csv"
            ))
            .await;
        assert_eq!(csv.status, 200, "{}", csv.text);
        let mut id = id;
        // The XLSX list opens with a title block above its header row, which the import reads
        // once it finds header rows below titles (issue 20); the CSV is the list as data.
        for (format, content_type, bytes) in [("csv", "text/csv", csv.text.clone().into_bytes())] {
            let current = c.get(&format!("/api/v1/packages/{id}")).await;
            let tag = current.header("etag").expect("etag").to_owned();
            let r = c
                .delete(&format!("/api/v1/packages/{id}"), Some(&tag))
                .await;
            assert_eq!(r.status, 204, "{}", r.text);
            let r = c
                .post_bytes("/api/v1/imports/packages", content_type, bytes)
                .await;
            assert_eq!(r.status, 200, "{format}: {}", r.text);
            assert_eq!(r.json()["created"], 1, "{format}: {}", r.text);
            let list = c
                .get(&format!("/api/v1/packages?unit_id={unit}"))
                .await
                .json();
            let after = &list["items"][0];
            for f in bidtrack::domain::fields::package::PackageField::ALL {
                assert_eq!(after[f.wire()], before[f.wire()], "{format}: {f:?}");
            }
            id = after["id"].as_i64().expect("id");
        }
    }
);
