//! Projects, selection plans and their adjustments (issue 19): through the real router on both
//! engines — create, read, list and filter, change under If-Match, the group an investment
//! project needs and nothing else may have, who may write what, adjustments appended and listed
//! the latest first, the audit rows, and the pages driven from the forms the server rendered.

use crate::client::Client;
use crate::db_test;
use crate::support::*;
use crate::web_forms::{attr, doc, location, posted, set, submit, texts};
use entity::{Role, UnitKind};
use serde_json::{Value, json};

struct World {
    province: i64,
    own: i64,
    other: i64,
    own_commune: i64,
}

async fn world(db: &TestDb) -> World {
    let p = add_unit(&db.conn, "P", UnitKind::Province, None).await;
    let own = add_unit(&db.conn, "P-D1", UnitKind::District, Some(p.id)).await;
    let other = add_unit(&db.conn, "P-D2", UnitKind::District, Some(p.id)).await;
    let commune = add_unit(&db.conn, "P-D1-X", UnitKind::Commune, Some(own.id)).await;
    World {
        province: p.id,
        own: own.id,
        other: other.id,
        own_commune: commune.id,
    }
}

/// A valid investment project of `unit` (group C), for the API.
fn investment(unit: i64, name: &str) -> Value {
    json!({"unit_id": unit, "name": name, "kind": "investment_project", "project_group": "c",
           "funding_kind": "state_budget", "total_vnd": 45_000_000_000i64})
}

/// A valid purchase estimate of `unit` (no group).
fn estimate(unit: i64, name: &str) -> Value {
    json!({"unit_id": unit, "name": name, "kind": "recurrent_procurement",
           "funding_kind": "state_budget"})
}

async fn created(c: &Client, uri: &str, body: &Value) -> Value {
    let r = c.post(uri, body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json()
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().expect("id")
}

/// The (field, code) of each per-field error of a problem.
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

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

db_test!(
    projects_are_created_listed_and_changed_under_if_match,
    |db: TestDb| async move {
        let w = world(&db).await;
        let c = Client::new(&db);

        let r = c
            .post(
                "/api/v1/projects",
                &json!({"unit_id": w.own, "code": " pr1900012345 ",
                        "name": "Cải tạo trường THCS Văn Quán", "kind": "investment_project",
                        "project_group": "b", "funding_kind": "state_budget",
                        "funding_source": "Ngân sách quận năm 2019", "total_vnd": 45_000_000_000i64}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.header("etag"), Some("\"1\""));
        let school = r.json();
        assert_eq!(
            r.header("location"),
            Some(format!("/api/v1/projects/{}", id(&school)).as_str())
        );
        assert_eq!(school["code"], "PR1900012345", "the code is normalised");
        assert_eq!(school["project_group"], "b");
        assert_eq!(school["version"], 1);
        let estimate_of_commune = created(
            &c,
            "/api/v1/projects",
            &estimate(w.own_commune, "Dự toán mua sắm thiết bị văn phòng"),
        )
        .await;
        assert_eq!(estimate_of_commune["project_group"], Value::Null);
        // A local number is a code too: never refused on format alone.
        let other = created(
            &c,
            "/api/v1/projects",
            &json!({"unit_id": w.other, "code": "15/DA-UBND", "name": "Đường liên xã",
                    "kind": "other", "funding_kind": "oda_concessional"}),
        )
        .await;
        assert_eq!(other["code"], "15/DA-UBND");

        let r = c.get(&format!("/api/v1/projects/{}", id(&school))).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.header("etag"), Some("\"1\""));
        assert_eq!(r.json()["funding_source"], "Ngân sách quận năm 2019");
        c.get("/api/v1/projects/987654")
            .await
            .problem(404, "not_found");

        // Filters: a unit's whole subtree, kind, group, text with or without diacritics.
        let list = |q: String| {
            let c = &c;
            async move {
                let r = c.get(&format!("/api/v1/projects?{q}")).await;
                assert_eq!(r.status, 200, "{q}: {}", r.text);
                r.json()
            }
        };
        let all = list(String::new()).await;
        assert_eq!(all["total"], 3);
        assert_eq!(
            names(&list(format!("unit_id={}", w.own)).await),
            [
                "Cải tạo trường THCS Văn Quán",
                "Dự toán mua sắm thiết bị văn phòng"
            ]
        );
        assert_eq!(list(format!("unit_id={}", w.province)).await["total"], 3);
        assert_eq!(
            names(&list("kind=recurrent_procurement".to_owned()).await),
            ["Dự toán mua sắm thiết bị văn phòng"]
        );
        assert_eq!(list("group=b".to_owned()).await["total"], 1);
        assert_eq!(list("group=a".to_owned()).await["total"], 0);
        assert_eq!(
            names(&list("q=van%20quan".to_owned()).await),
            ["Cải tạo trường THCS Văn Quán"]
        );
        assert_eq!(list("q=pr19000".to_owned()).await["total"], 1);
        let paged = list("per_page=2&page=2".to_owned()).await;
        assert_eq!((paged["total"].clone(), names(&paged).len()), (json!(3), 1));
        c.get("/api/v1/projects?unit_id=987654")
            .await
            .problem(422, "validation_failed");
        c.get("/api/v1/projects?kind=ppp")
            .await
            .problem(400, "invalid_query");

        // A code already taken, however it is typed.
        let r = c
            .post(
                "/api/v1/projects",
                &json!({"unit_id": w.other, "code": "PR1900012345", "name": "Trùng mã",
                        "kind": "other", "funding_kind": "other"}),
            )
            .await;
        r.problem(409, "duplicate_code");

        // Changes need the ETag: none is 428, a stale one 412, and nothing is written.
        let uri = format!("/api/v1/projects/{}", id(&school));
        c.patch(&uri, &json!({"name": "Không có If-Match"}), None)
            .await
            .problem(428, "precondition_required");
        let r = c
            .patch(
                &uri,
                &json!({"total_vnd": 47_500_000_000i64}),
                Some("\"1\""),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.header("etag"), Some("\"2\""));
        assert_eq!(r.json()["total_vnd"], 47_500_000_000i64);
        c.patch(&uri, &json!({"name": "Bản cũ"}), Some("\"1\""))
            .await
            .problem(412, "stale_version");
        assert_eq!(
            c.get(&uri).await.json()["name"],
            "Cải tạo trường THCS Văn Quán"
        );

        // Every change is in the audit trail: who, and each field's old and new value.
        let trail = c.get("/api/v1/audit?entity=project").await.json();
        let rows: Vec<&Value> = trail["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|e| e["entity_id"] == school["id"])
            .collect();
        assert_eq!(rows.len(), 2, "{trail}");
        assert_eq!(rows[0]["action"], "update", "newest first");
        assert_eq!(
            rows[0]["changes"],
            json!({"total_vnd": {"old": 45_000_000_000i64, "new": 47_500_000_000i64}})
        );
        assert_eq!(rows[1]["action"], "create");
        assert_eq!(rows[1]["changes"]["project_group"]["new"], "b");
        assert!(rows[0]["username"].as_str().is_some_and(|u| !u.is_empty()));
    }
);

db_test!(
    only_an_investment_project_has_a_group,
    |db: TestDb| async move {
        let w = world(&db).await;
        let c = Client::new(&db);
        let refused = |body: Value| {
            let c = &c;
            async move {
                let p = c
                    .post("/api/v1/projects", &body)
                    .await
                    .problem(422, "validation_failed");
                field_codes(&p)
            }
        };
        let pair = |f: &str, code: &str| vec![(f.to_owned(), code.to_owned())];

        let mut no_group = investment(w.own, "Thiếu nhóm");
        no_group["project_group"] = Value::Null;
        assert_eq!(
            refused(no_group).await,
            pair("project_group", "group_required")
        );
        let mut grouped = estimate(w.own, "Dự toán có nhóm");
        grouped["project_group"] = json!("a");
        let p = c
            .post("/api/v1/projects", &grouped)
            .await
            .problem(422, "validation_failed");
        assert_eq!(
            field_codes(&p),
            pair("project_group", "group_not_applicable")
        );
        assert!(
            p["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("Nhóm dự án")),
            "the message names the field: {p}"
        );
        // Several mistakes at once are all reported.
        let mut many = investment(w.own, "");
        many["project_group"] = Value::Null;
        many["total_vnd"] = json!(-1);
        many["code"] = json!("PR 19");
        let mut got = refused(many).await;
        got.sort();
        assert_eq!(
            got,
            [
                ("code".to_owned(), "invalid".to_owned()),
                ("name".to_owned(), "length".to_owned()),
                ("project_group".to_owned(), "group_required".to_owned()),
                ("total_vnd".to_owned(), "range".to_owned()),
            ]
        );
        assert_eq!(
            refused(
                json!({"unit_id": 987654, "name": "Không có đơn vị", "kind": "other",
                           "funding_kind": "other"})
            )
            .await,
            pair("unit_id", "unknown_unit")
        );
        // Zero is an amount (a project not yet costed is null).
        let mut zero = investment(w.own, "Chưa có tổng mức");
        zero["total_vnd"] = json!(0);
        created(&c, "/api/v1/projects", &zero).await;

        // A change of kind takes the group with it, or is refused.
        let project = created(&c, "/api/v1/projects", &investment(w.own, "Đổi loại")).await;
        let uri = format!("/api/v1/projects/{}", id(&project));
        let p = c
            .patch(
                &uri,
                &json!({"kind": "recurrent_procurement"}),
                Some("\"1\""),
            )
            .await
            .problem(422, "validation_failed");
        assert_eq!(
            field_codes(&p),
            pair("project_group", "group_not_applicable")
        );
        let r = c
            .patch(
                &uri,
                &json!({"kind": "recurrent_procurement", "project_group": null}),
                Some("\"1\""),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json()["project_group"], Value::Null);
        // The group alone cannot be cleared from an investment project.
        let other = created(&c, "/api/v1/projects", &investment(w.own, "Nhóm C")).await;
        let p = c
            .patch(
                &format!("/api/v1/projects/{}", id(&other)),
                &json!({"project_group": null}),
                Some("\"1\""),
            )
            .await
            .problem(422, "validation_failed");
        assert_eq!(field_codes(&p), pair("project_group", "group_required"));
    }
);

db_test!(
    plans_are_adjusted_by_appended_decisions,
    |db: TestDb| async move {
        let w = world(&db).await;
        let c = Client::new(&db);
        let project = created(&c, "/api/v1/projects", &investment(w.own, "Trường học")).await;
        let elsewhere = created(&c, "/api/v1/projects", &estimate(w.other, "Mua sắm")).await;

        let r = c
            .post(
                "/api/v1/plans",
                &json!({"project_id": id(&project), "code": "pl1900001234",
                        "name": "KHLCNT dự án Trường học", "year": 2019,
                        "decision_no": "1234/QĐ-UBND", "decision_date": "2019-03-01",
                        "approver": "UBND quận"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.header("etag"), Some("\"1\""));
        let plan = r.json();
        assert_eq!(plan["code"], "PL1900001234");
        assert_eq!(plan["adjustments"], json!([]));
        created(
            &c,
            "/api/v1/plans",
            &json!({"project_id": id(&project), "name": "KHLCNT năm 2020", "year": 2020}),
        )
        .await;
        created(
            &c,
            "/api/v1/plans",
            &json!({"project_id": id(&elsewhere), "name": "KHLCNT mua sắm", "year": 2019}),
        )
        .await;

        // What a plan cannot be: a decision not yet taken, a year far off, no project.
        let tomorrow = (chrono::Utc::now() + chrono::Duration::days(2)).date_naive();
        let p = c
            .post(
                "/api/v1/plans",
                &json!({"project_id": id(&project), "name": "Tương lai", "year": 2019,
                        "decision_date": tomorrow}),
            )
            .await
            .problem(422, "validation_failed");
        assert_eq!(
            field_codes(&p),
            [("decision_date".to_owned(), "future".to_owned())]
        );
        let p = c
            .post(
                "/api/v1/plans",
                &json!({"project_id": id(&project), "name": "Năm sai", "year": 1999}),
            )
            .await
            .problem(422, "validation_failed");
        assert_eq!(field_codes(&p), [("year".to_owned(), "range".to_owned())]);
        let p = c
            .post(
                "/api/v1/plans",
                &json!({"project_id": 987654, "name": "Không dự án", "year": 2019}),
            )
            .await
            .problem(422, "validation_failed");
        assert_eq!(
            field_codes(&p),
            [("project_id".to_owned(), "unknown_project".to_owned())]
        );

        // Filters: project, the owner unit's subtree, year.
        let list = |q: String| {
            let c = &c;
            async move {
                let r = c.get(&format!("/api/v1/plans?{q}")).await;
                assert_eq!(r.status, 200, "{q}: {}", r.text);
                r.json()
            }
        };
        assert_eq!(
            list(format!("project_id={}", id(&project))).await["total"],
            2
        );
        assert_eq!(
            names(&list(format!("unit_id={}", w.other)).await),
            ["KHLCNT mua sắm"]
        );
        assert_eq!(list(format!("unit_id={}", w.province)).await["total"], 3);
        assert_eq!(list("year=2019".to_owned()).await["total"], 2);
        assert_eq!(
            list(format!("year=2019&unit_id={}", w.own)).await["total"],
            1
        );
        c.get("/api/v1/plans?project_id=987654")
            .await
            .problem(422, "validation_failed");

        // Adjustments: appended, each bumping the plan's version, listed the latest decision
        // first whatever order they were recorded in.
        let plan_uri = format!("/api/v1/plans/{}", id(&plan));
        let adjustments = format!("{plan_uri}/adjustments");
        let r = c
            .post(
                &adjustments,
                &json!({"decision_no": "2000/QĐ-UBND", "decision_date": "2019-09-01",
                        "reason": "Bổ sung gói thầu thiết bị"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.header("etag"), Some("\"2\""));
        assert_eq!(r.json()["decision_no"], "2000/QĐ-UBND");
        let r = c
            .post(
                &adjustments,
                &json!({"decision_no": "1500/QĐ-UBND", "decision_date": "2019-06-01",
                        "reason": "Điều chỉnh thời gian lựa chọn nhà thầu"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.header("etag"), Some("\"3\""));
        let r = c.get(&plan_uri).await;
        assert_eq!(r.header("etag"), Some("\"3\""));
        let shown = r.json();
        let decisions = |list: &Value| -> Vec<String> {
            list.as_array()
                .expect("adjustments")
                .iter()
                .map(|a| a["decision_no"].as_str().unwrap_or_default().to_owned())
                .collect()
        };
        assert_eq!(
            decisions(&shown["adjustments"]),
            ["2000/QĐ-UBND", "1500/QĐ-UBND"]
        );
        assert_eq!(
            shown["decision_no"], "1234/QĐ-UBND",
            "the approving decision stays as approved"
        );
        let r = c.get(&adjustments).await;
        assert_eq!(r.status, 200);
        assert_eq!(decisions(&r.json()), ["2000/QĐ-UBND", "1500/QĐ-UBND"]);
        c.get("/api/v1/plans/987654/adjustments")
            .await
            .problem(404, "not_found");

        // The same decision twice is refused: the record has no way to remove a copy.
        c.post(
            &adjustments,
            &json!({"decision_no": "2000/QĐ-UBND", "decision_date": "2019-09-01",
                    "reason": "Gửi lại"}),
        )
        .await
        .problem(409, "duplicate_decision");
        let p = c
            .post(
                &adjustments,
                &json!({"decision_no": "", "decision_date": tomorrow, "reason": " "}),
            )
            .await
            .problem(422, "validation_failed");
        let mut got = field_codes(&p);
        got.sort();
        assert_eq!(
            got,
            [
                ("decision_date".to_owned(), "future".to_owned()),
                ("decision_no".to_owned(), "length".to_owned()),
                ("reason".to_owned(), "length".to_owned()),
            ]
        );

        // An edit made against the plan before its adjustments is stale.
        c.patch(
            &plan_uri,
            &json!({"approver": "UBND thành phố"}),
            Some("\"1\""),
        )
        .await
        .problem(412, "stale_version");
        let r = c
            .patch(
                &plan_uri,
                &json!({"approver": "UBND thành phố"}),
                Some("\"3\""),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.header("etag"), Some("\"4\""));
        assert_eq!(r.json()["adjustments"].as_array().map(Vec::len), Some(2));
        // A plan stays with its project.
        let p = c
            .patch(
                &plan_uri,
                &json!({"project_id": id(&elsewhere)}),
                Some("\"4\""),
            )
            .await
            .problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["field"], "project_id");
        c.patch(&plan_uri, &json!({"name": "x"}), None)
            .await
            .problem(428, "precondition_required");

        // The audit trail: the plans' creation and change, each adjustment with its plan.
        let trail = c.get("/api/v1/audit?entity=plan_adjustment").await.json();
        assert_eq!(trail["total"], 2, "{trail}");
        assert_eq!(trail["items"][0]["changes"]["plan_id"]["new"], plan["id"]);
        assert_eq!(
            trail["items"][0]["changes"]["decision_no"]["new"],
            "1500/QĐ-UBND"
        );
        let trail = c.get("/api/v1/audit?entity=selection_plan").await.json();
        let actions: Vec<&str> = trail["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|e| e["entity_id"] == plan["id"])
            .map(|e| e["action"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(actions, ["update", "create"]);
        assert_eq!(
            trail["items"][0]["changes"]["approver"],
            json!({"old": "UBND quận", "new": "UBND thành phố"})
        );
    }
);

db_test!(who_may_change_projects_and_plans, |db: TestDb| async move {
    let w = world(&db).await;
    let admin = Client::new(&db);
    let officer = Client::as_role(&db, Role::Officer, Some(w.own));
    let finance = Client::as_role(&db, Role::Finance, None);
    let viewer = Client::as_role(&db, Role::Viewer, None);
    let theirs = created(
        &admin,
        "/api/v1/projects",
        &investment(w.other, "Của quận 2"),
    )
    .await;
    let their_plan = created(
        &admin,
        "/api/v1/plans",
        &json!({"project_id": id(&theirs), "name": "KHLCNT quận 2", "year": 2019}),
    )
    .await;

    // An officer writes within their unit's subtree.
    let own = created(
        &officer,
        "/api/v1/projects",
        &estimate(w.own_commune, "Của xã thuộc quận 1"),
    )
    .await;
    let own_plan = created(
        &officer,
        "/api/v1/plans",
        &json!({"project_id": id(&own), "name": "KHLCNT xã", "year": 2019}),
    )
    .await;
    let r = officer
        .post(
            &format!("/api/v1/plans/{}/adjustments", id(&own_plan)),
            &json!({"decision_no": "1/QĐ", "decision_date": "2019-05-05", "reason": "Bổ sung"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = officer
        .patch(
            &format!("/api/v1/projects/{}", id(&own)),
            &json!({"name": "Của xã (đã sửa)"}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    // ...and nowhere else: 403, nothing written.
    officer
        .post(
            "/api/v1/projects",
            &estimate(w.other, "Của quận 2 do quận 1 tạo"),
        )
        .await
        .problem(403, "forbidden");
    officer
        .patch(
            &format!("/api/v1/projects/{}", id(&theirs)),
            &json!({"name": "Sửa của quận 2"}),
            Some("\"1\""),
        )
        .await
        .problem(403, "forbidden");
    // Handing an own project to another unit needs the right at both ends.
    officer
        .patch(
            &format!("/api/v1/projects/{}", id(&own)),
            &json!({"unit_id": w.other}),
            Some("\"2\""),
        )
        .await
        .problem(403, "forbidden");
    officer
        .post(
            "/api/v1/plans",
            &json!({"project_id": id(&theirs), "name": "KHLCNT lạ", "year": 2019}),
        )
        .await
        .problem(403, "forbidden");
    officer
        .patch(
            &format!("/api/v1/plans/{}", id(&their_plan)),
            &json!({"name": "Sửa kế hoạch lạ"}),
            Some("\"1\""),
        )
        .await
        .problem(403, "forbidden");
    officer
        .post(
            &format!("/api/v1/plans/{}/adjustments", id(&their_plan)),
            &json!({"decision_no": "9/QĐ", "decision_date": "2019-05-05", "reason": "Lạ"}),
        )
        .await
        .problem(403, "forbidden");
    let unchanged = admin
        .get(&format!("/api/v1/plans/{}", id(&their_plan)))
        .await
        .json();
    assert_eq!(
        (
            unchanged["version"].clone(),
            unchanged["adjustments"].clone()
        ),
        (json!(1), json!([]))
    );
    assert_eq!(
        admin
            .get(&format!("/api/v1/projects/{}", id(&theirs)))
            .await
            .json()["name"],
        "Của quận 2"
    );

    // Finance and viewers read everything and write nothing.
    for (role, c) in [("finance", &finance), ("viewer", &viewer)] {
        for uri in [
            "/api/v1/projects".to_owned(),
            format!("/api/v1/projects/{}", id(&theirs)),
            "/api/v1/plans".to_owned(),
            format!("/api/v1/plans/{}", id(&own_plan)),
            format!("/api/v1/plans/{}/adjustments", id(&own_plan)),
            "/projects".to_owned(),
            format!("/projects/{}", id(&own)),
            format!("/plans/{}", id(&own_plan)),
        ] {
            let r = c.get(&uri).await;
            assert_eq!(r.status, 200, "{role} GET {uri}: {}", r.text);
        }
        c.post("/api/v1/projects", &estimate(w.own, "Không được"))
            .await
            .problem(403, "forbidden");
        c.patch(
            &format!("/api/v1/projects/{}", id(&own)),
            &json!({"name": "Không được"}),
            Some("\"2\""),
        )
        .await
        .problem(403, "forbidden");
        c.post(
            "/api/v1/plans",
            &json!({"project_id": id(&own), "name": "Không được", "year": 2019}),
        )
        .await
        .problem(403, "forbidden");
        c.post(
            &format!("/api/v1/plans/{}/adjustments", id(&own_plan)),
            &json!({"decision_no": "5/QĐ", "decision_date": "2019-05-05", "reason": "x"}),
        )
        .await
        .problem(403, "forbidden");
        // The pages offer no form either.
        assert_eq!(c.get("/projects/new").await.status, 403, "{role}");
        assert_eq!(
            c.get(&format!("/plans/{}/edit", id(&own_plan)))
                .await
                .status,
            403,
            "{role}"
        );
    }
    // Nobody without a token.
    Client::anonymous(&db)
        .get("/api/v1/projects")
        .await
        .problem(401, "unauthenticated");
});

db_test!(
    the_project_and_plan_pages_drive_their_forms,
    |db: TestDb| async move {
        let w = world(&db).await;
        let c = Client::as_role(&db, Role::Officer, Some(w.own));

        // The navigation links the section.
        let list = doc(&c.get("/projects").await);
        assert!(attr(&list, "header nav a[href='/projects']", "href").is_some());

        // The new form, as the server renders it: the officer's unit chosen, own subtree only.
        let r = c.get("/projects/new").await;
        assert_eq!(r.status, 200, "{}", r.text);
        let first = doc(&r);
        let token = attr(&first, "main form input[name=csrf]", "value").expect("token");
        assert!(!token.is_empty());
        assert_eq!(
            attr(&first, "select#unit_id option[selected]", "value"),
            Some(w.own.to_string())
        );
        assert!(
            attr(
                &first,
                &format!("select#unit_id option[value='{}']", w.other),
                "value"
            )
            .is_none(),
            "another district is not offered"
        );
        assert_eq!(
            texts(&first, "select#kind option[value=investment_project]"),
            ["Dự án đầu tư"]
        );

        // No name: the form comes back with the message beside the field, the token and
        // everything typed kept, and the amount it read.
        let (action, mut fields) = posted(&first);
        for (name, value) in [
            ("name", ""),
            ("kind", "investment_project"),
            ("funding_kind", "state_budget"),
            ("total_vnd", "45 tỷ"),
            ("code", "pr1900012345"),
        ] {
            set(&mut fields, name, value);
        }
        let r = submit(&c, &action, &fields).await;
        assert_eq!(r.status, 422, "{}", r.text);
        let again = doc(&r);
        assert_eq!(
            attr(&again, "main form input[name=csrf]", "value").as_deref(),
            Some(token.as_str()),
            "the re-rendered form keeps the session's token"
        );
        assert_eq!(
            texts(&again, "#name-error"),
            ["Chưa nhập tên dự án / dự toán mua sắm"]
        );
        assert_eq!(
            attr(&again, "#total_vnd", "value").as_deref(),
            Some("45 tỷ")
        );
        assert_eq!(
            texts(&again, "#total_vnd-echo"),
            ["Đã đọc: 45.000.000.000 ₫ (Bốn mươi lăm tỷ đồng)"]
        );
        assert_eq!(
            attr(&again, "select#kind option[selected]", "value").as_deref(),
            Some("investment_project")
        );

        // Named, but an investment project without its group: said beside the group.
        let (action, mut fields) = posted(&again);
        set(&mut fields, "name", "Nhà văn hóa phường");
        let r = submit(&c, &action, &fields).await;
        assert_eq!(r.status, 422, "{}", r.text);
        let again = doc(&r);
        assert_eq!(texts(&again, "#project_group-error").len(), 1);
        assert_eq!(
            texts(&again, ".error-summary h2"),
            ["Chưa lưu được: có 1 lỗi cần sửa"]
        );

        // Corrected on the page that came back, it saves and shows the project.
        let (action, mut fields) = posted(&again);
        set(&mut fields, "project_group", "c");
        let r = submit(&c, &action, &fields).await;
        let to = location(&r);
        let shown = c.get_after(&to, &r).await;
        let page = doc(&shown);
        assert_eq!(texts(&page, "h1"), ["Nhà văn hóa phường"]);
        assert_eq!(
            texts(&page, ".flash.ok"),
            ["Đã thêm dự án «Nhà văn hóa phường»."]
        );
        let project_id: i64 = to
            .trim_start_matches("/projects/")
            .parse()
            .expect("project id");
        let api = c
            .get(&format!("/api/v1/projects/{project_id}"))
            .await
            .json();
        assert_eq!(
            (
                api["code"].clone(),
                api["project_group"].clone(),
                api["total_vnd"].clone()
            ),
            (json!("PR1900012345"), json!("c"), json!(45_000_000_000i64))
        );

        // The edit form saves; the same form sent again after that is stale (409), comes back
        // with what was typed, and a second save is a deliberate overwrite.
        let edit = doc(&c.get(&format!("{to}/edit")).await);
        assert_eq!(
            attr(&edit, "input[name=version]", "value").as_deref(),
            Some("1")
        );
        let (action, mut fields) = posted(&edit);
        set(&mut fields, "funding_source", "Ngân sách phường");
        location(&submit(&c, &action, &fields).await);
        set(&mut fields, "name", "Nhà văn hóa (bản cũ)");
        let r = submit(&c, &action, &fields).await;
        assert_eq!(r.status, 409, "{}", r.text);
        let stale = doc(&r);
        assert_eq!(
            attr(&stale, "#name", "value").as_deref(),
            Some("Nhà văn hóa (bản cũ)")
        );
        assert_eq!(texts(&stale, ".error-summary li").len(), 1);
        let (action, fields) = posted(&stale);
        location(&submit(&c, &action, &fields).await);
        let api = c
            .get(&format!("/api/v1/projects/{project_id}"))
            .await
            .json();
        assert_eq!(
            (api["name"].clone(), api["version"].clone()),
            (json!("Nhà văn hóa (bản cũ)"), json!(3))
        );

        // A plan, from the project's page.
        let page = doc(&c.get(&to).await);
        let new_plan = attr(&page, "a[href^='/plans/new']", "href").expect("link");
        let form = doc(&c.get(&new_plan).await);
        let (action, mut fields) = posted(&form);
        for (name, value) in [
            ("name", "KHLCNT Nhà văn hóa"),
            ("year", "2019"),
            ("decision_no", "12/QĐ-UBND"),
            ("decision_date", "01/03/2019"),
        ] {
            set(&mut fields, name, value);
        }
        let r = submit(&c, &action, &fields).await;
        let plan_page = location(&r);
        assert!(plan_page.starts_with("/plans/"), "{plan_page}");
        let project_page = doc(&c.get(&to).await);
        assert_eq!(
            texts(&project_page, "section[aria-labelledby=plans] td a"),
            ["KHLCNT Nhà văn hóa"]
        );

        // An adjustment from the plan's page: a refused one comes back beside its fields with
        // the token and what was typed; the corrected one is listed.
        let shown = doc(&c.get(&plan_page).await);
        let (action, mut fields) = posted(&shown);
        assert_eq!(action, format!("{plan_page}/adjustments"));
        set(&mut fields, "decision_no", "34/QĐ-UBND");
        set(&mut fields, "decision_date", "31/02/2019");
        let r = submit(&c, &action, &fields).await;
        assert_eq!(r.status, 422, "{}", r.text);
        let again = doc(&r);
        assert_eq!(
            attr(&again, "main form input[name=csrf]", "value").as_deref(),
            Some(token.as_str())
        );
        assert_eq!(texts(&again, "#decision_date-error").len(), 1);
        assert_eq!(
            texts(&again, "#reason-error"),
            ["Chưa nhập lý do điều chỉnh"]
        );
        assert_eq!(
            attr(&again, "#decision_no", "value").as_deref(),
            Some("34/QĐ-UBND")
        );
        let (action, mut fields) = posted(&again);
        set(&mut fields, "decision_date", "15/06/2019");
        set(&mut fields, "reason", "Bổ sung gói thầu mua sắm thiết bị");
        let r = submit(&c, &action, &fields).await;
        assert_eq!(location(&r), plan_page);
        let shown = doc(&c.get(&plan_page).await);
        assert_eq!(
            texts(&shown, "table.adjustments td.reason"),
            ["Bổ sung gói thầu mua sắm thiết bị"]
        );
        // Sent twice, the decision is said to be there already, beside its number.
        let r = submit(&c, &action, &fields).await;
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(texts(&doc(&r), "#decision_no-error").len(), 1);

        // A form without the session's token changes nothing.
        let mut forged = fields.clone();
        set(&mut forged, "csrf", "not-the-token");
        set(&mut forged, "decision_no", "99/QĐ");
        assert_eq!(submit(&c, &action, &forged).await.status, 403);
        let plan_id = plan_page.trim_start_matches("/plans/");
        let api = c.get(&format!("/api/v1/plans/{plan_id}")).await.json();
        assert_eq!(api["adjustments"].as_array().map(Vec::len), Some(1));
    }
);
