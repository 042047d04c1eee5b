//! The JSON API through the real router, on both engines: every endpoint, its error paths and
//! the ETag flow.

use crate::client::Client;
use crate::db_test;
use crate::support::*;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use bidtrack::seed::demo;
use serde_json::{Value, json};

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["id"].as_i64().expect("id"))
        .collect()
}

db_test!(units_crud_search_and_tree_rules, |db: TestDb| async move {
    let c = Client::new(&db);
    let hn = c.unit("HN", "province", None).await;
    let r = c.post("/api/v1/units", &json!({"code": "HN-HADONG", "name": "Quận Hà Đông", "kind": "district", "parent_id": hn})).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let ha_dong = r.json()["id"].as_i64().expect("id");
    assert_eq!(
        r.header("location"),
        Some(format!("/api/v1/units/{ha_dong}").as_str())
    );
    assert_eq!(r.json()["kind_label"], "Quận / huyện / thị xã");
    let ward = c.unit("HN-HADONG-VQ", "commune", Some(ha_dong)).await;

    let got = c.get(&format!("/api/v1/units/{ha_dong}")).await.json();
    assert_eq!(
        (got["code"].as_str(), got["parent_id"].as_i64()),
        (Some("HN-HADONG"), Some(hn))
    );

    // search without diacritics, filters, paging
    for q in ["ha%20dong", "H%C3%A0%20%C4%90%C3%B4ng", "HADONG"] {
        let page = c.get(&format!("/api/v1/units?q={q}")).await.json();
        assert_eq!(page["items"][0]["id"], ha_dong, "{q}: {page}");
    }
    assert_eq!(
        ids(&c.get(&format!("/api/v1/units?parent_id={hn}")).await.json()),
        [ha_dong]
    );
    assert_eq!(
        ids(&c.get("/api/v1/units?kind=commune").await.json()),
        [ward]
    );
    let page = c.get("/api/v1/units?per_page=1&page=2").await.json();
    assert_eq!(
        (
            page["total"].as_u64(),
            page["page"].as_u64(),
            page["per_page"].as_u64()
        ),
        (Some(3), Some(2), Some(1))
    );

    // change, and refuse a cycle
    let r = c
        .patch(
            &format!("/api/v1/units/{ha_dong}"),
            &json!({"name": "Quận Hà Đông (cũ)", "valid_to": "2025-06-30"}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["valid_to"], "2025-06-30");
    let p = c
        .patch(
            &format!("/api/v1/units/{hn}"),
            &json!({"parent_id": ward}),
            None,
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["code"], "cycle");
    c.patch(
        &format!("/api/v1/units/{hn}"),
        &json!({"parent_id": hn}),
        None,
    )
    .await
    .problem(422, "validation_failed");
    // clearing with null
    let r = c
        .patch(
            &format!("/api/v1/units/{ha_dong}"),
            &json!({"valid_to": null}),
            None,
        )
        .await;
    assert_eq!(r.json()["valid_to"], Value::Null);

    c.post(
        "/api/v1/units",
        &json!({"code": "HN", "name": "x", "kind": "province"}),
    )
    .await
    .problem(409, "duplicate_code");
    let p = c
        .post(
            "/api/v1/units",
            &json!({"code": "có dấu", "name": "", "kind": "province"}),
        )
        .await
        .problem(422, "validation_failed");
    let fields: Vec<_> = p["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field"))
        .collect();
    assert_eq!(fields, ["code", "name"]);
    c.post(
        "/api/v1/units",
        &json!({"code": "X", "name": "x", "kind": "province", "parent_id": 987654}),
    )
    .await
    .problem(422, "validation_failed");
    c.get("/api/v1/units/987654")
        .await
        .problem(404, "not_found");
    c.get("/api/v1/units/abc")
        .await
        .problem(400, "invalid_path");
});

db_test!(packages_crud_with_etags, |db: TestDb| async move {
    let c = Client::new(&db);
    let unit = c.unit("D", "district", None).await;
    let r = c
        .post(
            "/api/v1/packages",
            &json!({"unit_id": unit, "name": "Mua sắm máy tính", "plan_year": 2019, "field": "goods",
                    "method": "open_bidding", "package_price_vnd": 10_000_000_000_i64, "online": false,
                    "code": "IB1900000001"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.header("etag"), Some("\"1\""));
    let created = r.json();
    let id = created["id"].as_i64().expect("id");
    assert_eq!(
        r.header("location"),
        Some(format!("/api/v1/packages/{id}").as_str())
    );
    assert_eq!(created["status"], "planned");
    assert_eq!(created["version"], 1);
    assert_eq!(created["regime"], "law43_decree63");
    assert_eq!(
        created["small_scale"], true,
        "exactly 10 bn of goods is small-scale"
    );
    assert_eq!(created["in_target_scope"], true);
    assert_eq!(created["scope_reason"]["code"], "small_scale");
    assert_eq!(created["warnings"], json!([]));

    let url = format!("/api/v1/packages/{id}");
    let r = c.get(&url).await;
    assert_eq!(r.header("etag"), Some("\"1\""));

    // Mark online: If-Match is required and must be current.
    let online = json!({"online": true});
    c.patch(&url, &online, None)
        .await
        .problem(428, "precondition_required");
    c.patch(&url, &online, Some("*"))
        .await
        .problem(428, "precondition_required");
    c.patch(&url, &online, Some("\"7\""))
        .await
        .problem(412, "stale_version");
    let r = c.patch(&url, &online, Some("\"1\"")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.header("etag"), Some("\"2\""));
    assert_eq!(
        (r.json()["online"].as_bool(), r.json()["version"].as_i64()),
        (Some(true), Some(2))
    );
    // The old tag is now stale and changes nothing.
    c.patch(&url, &json!({"online": false}), Some("\"1\""))
        .await
        .problem(412, "stale_version");
    assert_eq!(c.get(&url).await.json()["online"], true);

    // one đồng over the band: out of scope, with the reason
    let r = c
        .patch(
            &url,
            &json!({"package_price_vnd": 10_000_000_001_i64}),
            Some("\"2\""),
        )
        .await;
    let p = r.json();
    assert_eq!(
        (p["small_scale"].as_bool(), p["in_target_scope"].as_bool()),
        (Some(false), Some(false))
    );
    assert_eq!(p["scope_reason"]["code"], "above_small_scale");
    assert!(
        p["scope_reason"]["message"]
            .as_str()
            .expect("message")
            .contains("10.000.000.000 ₫")
    );

    // domain rules on patch: award needs a result date and a winning price within the price
    let p = c
        .patch(
            &url,
            &json!({"status": "awarded", "winning_price_vnd": 20_000_000_000_i64}),
            Some("\"3\""),
        )
        .await
        .problem(422, "validation_failed");
    let codes: Vec<_> = p["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["code"].as_str().expect("code").to_owned())
        .collect();
    // The rules' refusals, then what the award still lacks (its decision and contractor).
    assert_eq!(
        codes,
        [
            "result_date_required",
            "winning_price_above_package_price",
            "missing_for_status",
            "missing_for_status"
        ]
    );
    assert_eq!(
        c.get(&url).await.json()["version"],
        3,
        "a refused change changes nothing"
    );
    let r = c.patch(&url, &json!({"status": "awarded", "winning_price_vnd": 9_500_000_000_i64, "result_date": "2019-06-30", "code": null, "award_decision_no": "7/QĐ-UBND", "contractor_name": "Công ty A"}), Some("\"3\"")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["code"], Value::Null, "null clears");

    // warnings: competitive offers above the 5 bn limit
    let w = c.package(json!({"unit_id": unit, "name": "CHCT lớn", "plan_year": 2019, "field": "works", "method": "competitive_offers", "package_price_vnd": 6_000_000_000_i64, "online": true})).await;
    assert_eq!(w["warnings"][0]["code"], "competitive_offers_above_limit");

    // notice codes are unique
    c.package(json!({"unit_id": unit, "name": "a", "plan_year": 2019, "field": "goods", "method": "direct_appointment", "package_price_vnd": 1, "online": false, "code": "IB1900000002"})).await;
    c.post("/api/v1/packages", &json!({"unit_id": unit, "name": "b", "plan_year": 2019, "field": "goods", "method": "direct_appointment", "package_price_vnd": 1, "online": false, "code": "IB1900000002"})).await.problem(409, "duplicate_code");
    c.patch(&url, &json!({"code": "IB1900000002"}), Some("\"4\""))
        .await
        .problem(409, "duplicate_code");

    // The shortened procedure is a direct appointment's only, whichever way the package comes.
    let p = c.post("/api/v1/packages", &json!({"unit_id": unit, "name": "rút gọn", "plan_year": 2019, "field": "goods", "method": "open_bidding", "procedure": "shortened", "package_price_vnd": 1, "online": false})).await.problem(422, "validation_failed");
    assert_eq!(
        (&p["errors"][0]["field"], &p["errors"][0]["code"]),
        (
            &json!("procedure"),
            &json!("shortened_not_direct_appointment")
        )
    );
    let short = c.package(json!({"unit_id": unit, "name": "rút gọn", "plan_year": 2019, "field": "goods", "method": "direct_appointment", "procedure": "shortened", "package_price_vnd": 1, "online": false})).await;
    c.patch(
        &format!("/api/v1/packages/{}", short["id"]),
        &json!({"method": "competitive_offers"}),
        Some("\"1\""),
    )
    .await
    .problem(422, "validation_failed");

    // delete
    c.delete(&url, None)
        .await
        .problem(428, "precondition_required");
    c.delete(&url, Some("\"1\""))
        .await
        .problem(412, "stale_version");
    let r = c.delete(&url, Some("\"4\"")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    c.get(&url).await.problem(404, "not_found");
    c.delete(&url, Some("\"4\""))
        .await
        .problem(404, "not_found");
    c.patch(&url, &online, Some("\"4\""))
        .await
        .problem(404, "not_found");
});

db_test!(
    package_list_filters_search_sort_and_paging,
    |db: TestDb| async move {
        demo::load(&db.conn).await.expect("demo");
        let c = Client::new(&db);
        let ha_dong = c
            .get("/api/v1/units?q=HN-HADONG&kind=district")
            .await
            .json()["items"][0]["id"]
            .as_i64()
            .expect("id");
        let hd = |extra: &str| format!("/api/v1/packages?unit_id={ha_dong}&plan_year=2019{extra}");

        assert_eq!(
            c.get(&hd("")).await.json()["total"],
            10,
            "the subtree's packages"
        );
        assert_eq!(c.get(&hd("&in_target_scope=true")).await.json()["total"], 8);
        assert_eq!(
            c.get(&hd("&in_target_scope=true&online=true")).await.json()["total"],
            4
        );
        assert_eq!(
            c.get(&hd("&in_target_scope=false")).await.json()["total"],
            2
        );
        assert_eq!(
            c.get(&hd("&method=competitive_offers")).await.json()["total"],
            4
        );
        assert_eq!(c.get(&hd("&field=consulting")).await.json()["total"], 1);
        assert_eq!(c.get(&hd("&status=awarded")).await.json()["total"], 8);
        assert_eq!(
            c.get("/api/v1/packages?plan_year=2018").await.json()["total"],
            0
        );
        // every listed package agrees with the filter
        for item in c.get(&hd("&in_target_scope=false")).await.json()["items"]
            .as_array()
            .expect("items")
        {
            assert_eq!(item["in_target_scope"], false, "{item}");
        }

        // search with or without diacritics, by name or notice code
        let names = |page: Value| -> Vec<String> {
            page["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|p| p["name"].as_str().expect("name").to_owned())
                .collect()
        };
        let plain = names(c.get(&hd("&q=van%20quan")).await.json());
        let marked = names(c.get(&hd("&q=V%C4%83n%20Qu%C3%A1n")).await.json());
        assert!(!plain.is_empty() && plain == marked, "{plain:?} {marked:?}");
        assert!(plain.iter().all(|n| n.contains("Văn Quán")));
        assert_eq!(
            c.get("/api/v1/packages?q=ib1900010008").await.json()["total"],
            1
        );
        assert_eq!(
            c.get("/api/v1/packages?q=%25").await.json()["total"],
            0,
            "% is literal"
        );

        // sort and paging
        let page = c
            .get(&hd("&sort=-package_price_vnd&per_page=3"))
            .await
            .json();
        let prices: Vec<i64> = page["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|p| p["package_price_vnd"].as_i64().expect("price"))
            .collect();
        assert_eq!(prices, [25_000_000_000, 15_000_000_000, 8_000_000_000]);
        assert_eq!(
            (page["total"].as_u64(), page["per_page"].as_u64()),
            (Some(10), Some(3))
        );
        let all: Vec<i64> = ids(&c.get(&hd("&sort=name&per_page=500")).await.json());
        let mut paged = Vec::new();
        for n in 1..=4 {
            paged.extend(ids(&c
                .get(&hd(&format!("&sort=name&per_page=3&page={n}")))
                .await
                .json()));
        }
        assert_eq!(paged, all, "pages tile the list");
        assert_eq!(c.get("/api/v1/packages").await.json()["per_page"], 50);

        // bad parameters
        c.get("/api/v1/packages?per_page=501")
            .await
            .problem(422, "validation_failed");
        c.get("/api/v1/packages?page=0")
            .await
            .problem(422, "validation_failed");
        let p = c
            .get("/api/v1/packages?page=abc")
            .await
            .problem(400, "invalid_query");
        assert_eq!(p["errors"][0]["field"], "page");
        c.get("/api/v1/packages?method=bogus")
            .await
            .problem(400, "invalid_query");
        c.get("/api/v1/packages?sort=price")
            .await
            .problem(400, "invalid_query");
        c.get("/api/v1/packages?unit_id=987654")
            .await
            .problem(422, "validation_failed");
    }
);

db_test!(malformed_requests_are_problems, |db: TestDb| async move {
    let c = Client::new(&db);
    let unit = c.unit("U", "district", None).await;
    let raw = |method: Method, uri: &str, content_type: Option<&str>, body: Vec<u8>| {
        let mut r = Request::builder().method(method).uri(uri);
        if let Some(ct) = content_type {
            r = r.header(header::CONTENT_TYPE, ct);
        }
        r.body(Body::from(body)).expect("request")
    };
    c.send(raw(
        Method::POST,
        "/api/v1/packages",
        Some("application/json"),
        b"{not json".to_vec(),
    ))
    .await
    .problem(400, "invalid_json");
    c.send(raw(
        Method::POST,
        "/api/v1/packages",
        Some("text/plain"),
        b"{}".to_vec(),
    ))
    .await
    .problem(415, "unsupported_media_type");
    c.send(raw(Method::POST, "/api/v1/packages", None, b"{}".to_vec()))
        .await
        .problem(415, "unsupported_media_type");
    let big = format!("{{\"name\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
    c.send(raw(
        Method::POST,
        "/api/v1/packages",
        Some("application/json"),
        big.into_bytes(),
    ))
    .await
    .problem(413, "payload_too_large");
    c.get("/api/v1/nowhere").await.problem(404, "not_found");
    c.get("/api/nowhere").await.problem(404, "not_found");
    let r = c
        .send(raw(
            Method::PUT,
            "/api/v1/packages",
            Some("application/json"),
            b"{}".to_vec(),
        ))
        .await;
    r.problem(405, "method_not_allowed");

    let base = json!({"unit_id": unit, "name": "x", "plan_year": 2019, "field": "goods", "method": "open_bidding", "package_price_vnd": 1, "online": true});
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    let field_of = |p: Value| p["errors"][0]["field"].as_str().expect("field").to_owned();
    assert_eq!(
        field_of(
            c.post("/api/v1/packages", &with("package_price_vnd", json!(333.0)))
                .await
                .problem(422, "validation_failed")
        ),
        "package_price_vnd"
    );
    assert_eq!(
        field_of(
            c.post(
                "/api/v1/packages",
                &with("package_price_vnd", json!("1.000"))
            )
            .await
            .problem(422, "validation_failed")
        ),
        "package_price_vnd"
    );
    assert_eq!(
        field_of(
            c.post("/api/v1/packages", &with("method", json!("auction")))
                .await
                .problem(422, "validation_failed")
        ),
        "method"
    );
    assert_eq!(
        field_of(
            c.post("/api/v1/packages", &with("colour", json!("red")))
                .await
                .problem(422, "validation_failed")
        ),
        "colour"
    );
    assert_eq!(
        field_of(
            c.post("/api/v1/packages", &with("package_price_vnd", json!(0)))
                .await
                .problem(422, "validation_failed")
        ),
        "package_price_vnd"
    );
    assert_eq!(
        field_of(
            c.send(raw(
                Method::POST,
                "/api/v1/packages",
                Some("application/json"),
                with("package_price_vnd", json!(0))
                    .to_string()
                    .replace(
                        "\"package_price_vnd\":0",
                        "\"package_price_vnd\":99999999999999999999999"
                    )
                    .into_bytes()
            ))
            .await
            .problem(422, "validation_failed")
        ),
        "package_price_vnd"
    );
    let mut missing = base.clone();
    missing.as_object_mut().expect("object").remove("online");
    c.post("/api/v1/packages", &missing)
        .await
        .problem(422, "validation_failed");
    c.post("/api/v1/packages", &json!([1, 2]))
        .await
        .problem(422, "validation_failed");
    // merge-patch content type is accepted
    let created = c.package(base.clone()).await;
    let r = c
        .send(
            Request::patch(format!("/api/v1/packages/{}", created["id"]))
                .header(header::CONTENT_TYPE, "application/merge-patch+json")
                .header(header::IF_MATCH, "\"1\"")
                .body(Body::from(r#"{"notes": "ghi chú"}"#))
                .expect("request"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
});

db_test!(targets_crud, |db: TestDb| async move {
    let c = Client::new(&db);
    let page = c.get("/api/v1/targets").await.json();
    // The founding rule, the two targets each of 2020 and 2021, and Law 22 from 2025.
    assert_eq!(page["total"], 6);
    assert_eq!(page["items"][0]["code"], "nq01_2019");
    let small_2021 = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|r| r["code"] == "tt11_2019_2021_small")
        .expect("the 2021 rule on packages under per-field ceilings");
    assert_eq!(
        small_2021["ceilings"],
        json!({"goods_vnd": 10_000_000_000_i64, "works_vnd": 20_000_000_000_i64,
               "consulting_vnd": 10_000_000_000_i64, "non_consulting_vnd": 10_000_000_000_i64,
               "mixed_vnd": null})
    );
    assert_eq!(
        small_2021["methods"][0],
        json!({"method": "open_bidding", "small_scale_only": false, "within_ceilings": true})
    );
    assert!(
        small_2021["source_note"]
            .as_str()
            .is_some_and(|n| !n.is_empty())
    );
    assert_eq!(
        page["items"][0]["methods"].as_array().map(Vec::len),
        Some(3)
    );
    let unit = c.unit("D", "district", None).await;
    let body = json!({"code": "d_2019", "name": "Quận D: 60%", "unit_id": unit, "year_from": 2019, "year_to": 2019,
                      "min_count_percent": 60, "methods": [{"method": "competitive_offers"}, {"method": "open_bidding", "small_scale_only": true}]});
    let r = c.post("/api/v1/targets", &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let t = r.json();
    assert_eq!(
        (
            t["domestic_only"].as_bool(),
            t["exclude_two_stage"].as_bool(),
            t["min_value_percent"].clone()
        ),
        (Some(true), Some(false), Value::Null)
    );
    let url = format!("/api/v1/targets/{}", t["id"]);
    assert_eq!(
        c.get(&url).await.json()["methods"][1],
        json!({"method": "open_bidding", "small_scale_only": true, "within_ceilings": false})
    );
    c.post("/api/v1/targets", &body)
        .await
        .problem(409, "duplicate_code");

    let r = c
        .patch(
            &url,
            &json!({"min_count_percent": 70, "methods": [{"method": "limited_bidding"}]}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.json()["methods"],
        json!([{"method": "limited_bidding", "small_scale_only": false, "within_ceilings": false}])
    );
    assert_eq!(c.get(&url).await.json()["min_count_percent"], 70);

    let p = c
        .patch(
            &url,
            &json!({"year_to": 2018, "min_count_percent": 101, "methods": []}),
            None,
        )
        .await
        .problem(422, "validation_failed");
    let fields: Vec<_> = p["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("f").to_owned())
        .collect();
    assert_eq!(fields, ["year_to", "min_count_percent", "methods"]);
    let dup = json!({"methods": [{"method": "limited_bidding"}, {"method": "limited_bidding"}]});
    c.patch(&url, &dup, None)
        .await
        .problem(422, "validation_failed");
    // Counted within ceilings needs a ceiling; a ceiling must be a price; a replaced target must
    // exist.
    for (body, field) in [
        (
            json!({"methods": [{"method": "open_bidding", "within_ceilings": true}]}),
            "ceilings",
        ),
        (json!({"ceilings": {"goods_vnd": 0}}), "ceilings.goods_vnd"),
        (json!({"replaces_code": "no_such_rule"}), "replaces_code"),
        (json!({"replaces_code": ""}), "replaces_code"),
    ] {
        let p = c
            .patch(&url, &body, None)
            .await
            .problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["field"], field, "{body}");
    }
    c.get("/api/v1/targets/987654")
        .await
        .problem(404, "not_found");
});

db_test!(
    compliance_matches_the_check_and_drills_down,
    |db: TestDb| async move {
        demo::load(&db.conn).await.expect("demo");
        let c = Client::new(&db);
        let ha_dong = c
            .get("/api/v1/units?q=HN-HADONG&kind=district")
            .await
            .json()["items"][0]["id"]
            .as_i64()
            .expect("id");

        let api = c
            .get(&format!("/api/v1/compliance?unit_id={ha_dong}&year=2019"))
            .await
            .json();
        let service =
            bidtrack::services::compliance::check(&db.conn, ha_dong, 2019, Default::default())
                .await
                .expect("check");
        assert_eq!(
            api,
            serde_json::to_value(&service).expect("json"),
            "the API serves the one computation"
        );
        let t = &api["targets"][0];
        assert_eq!(
            (t["in_scope"].as_i64(), t["online"].as_i64()),
            (Some(8), Some(4))
        );
        assert_eq!(
            (
                t["share_percent"].as_str(),
                t["met"].as_bool(),
                t["shortfall"].as_i64()
            ),
            (Some("50.00"), Some(true), Some(0))
        );
        assert_eq!(t["rule"]["min_count_percent"], 50);
        assert_eq!(api["overall"]["packages"], 10);
        assert_eq!(api["view"], "plan");
        for row in api["by_unit"]
            .as_array()
            .expect("by_unit")
            .iter()
            .chain(api["by_method"].as_array().expect("by_method"))
        {
            assert!(row["overall"].get("packages").is_some(), "{row}");
            for t in row["targets"].as_array().expect("targets") {
                for key in ["in_scope", "online", "share_percent", "met", "shortfall"] {
                    assert!(t.get(key).is_some(), "{key} in {row}");
                }
            }
        }
        let result = c
            .get(&format!(
                "/api/v1/compliance?unit_id={ha_dong}&year=2019&view=result"
            ))
            .await
            .json();
        assert_eq!(result["view"], "result");

        let drill = |q: &str| format!("/api/v1/compliance/packages?unit_id={ha_dong}&year=2019{q}");
        let behind = c.get(&drill("&in_scope=true&online=false")).await.json();
        assert_eq!(behind["total"], 4, "the packages keeping Hà Đông from more");
        assert_eq!(behind["rule"]["code"], "nq01_2019");
        for p in behind["items"].as_array().expect("items") {
            assert_eq!(
                (p["in_target_scope"].as_bool(), p["online"].as_bool()),
                (Some(true), Some(false))
            );
        }
        let out = c.get(&drill("&in_scope=false")).await.json();
        let reasons: Vec<_> = out["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|p| p["scope_reason"]["code"].as_str().expect("code").to_owned())
            .collect();
        assert_eq!(reasons, ["above_small_scale", "method_not_counted"]);
        assert_eq!(c.get(&drill("")).await.json()["total"], 10);
        assert_eq!(
            c.get(&drill("&per_page=3&page=4")).await.json()["items"]
                .as_array()
                .map(Vec::len),
            Some(1)
        );

        let none = c
            .get(&format!("/api/v1/compliance?unit_id={ha_dong}&year=2022"))
            .await;
        assert_eq!(
            none.status,
            StatusCode::OK,
            "a year without a rule has its figures"
        );
        assert_eq!(none.json()["targets"], json!([]));
        c.get(&format!("/api/v1/compliance?unit_id={ha_dong}&year=1900"))
            .await
            .problem(422, "validation_failed");
        c.get("/api/v1/compliance?unit_id=987654&year=2019")
            .await
            .problem(404, "not_found");
        c.get("/api/v1/compliance?year=2019")
            .await
            .problem(400, "invalid_query");
        c.get(&format!(
            "/api/v1/compliance?unit_id={ha_dong}&year=2019&view=month"
        ))
        .await
        .problem(400, "invalid_query");
        c.get("/api/v1/compliance/packages?unit_id=987654&year=2019")
            .await
            .problem(404, "not_found");
    }
);

// The "done when" of the API issue: a new client creates a unit and packages, marks one online
// and reads the worked example's figures.
db_test!(
    a_new_client_builds_the_worked_example,
    |db: TestDb| async move {
        let c = Client::new(&db);
        let unit = c.unit("HD", "district", None).await;
        let bn = 1_000_000_000_i64;
        let specs: [(&str, &str, i64, bool); 10] = [
            ("competitive_offers", "goods", bn, true),
            ("competitive_offers", "goods", bn, true),
            ("competitive_offers", "non_consulting", bn, true),
            ("competitive_offers", "works", 3 * bn, false),
            ("open_bidding", "works", 8 * bn, false), // marked online below
            ("open_bidding", "goods", 4 * bn, false),
            ("open_bidding", "works", 15 * bn, false),
            ("open_bidding", "works", 25 * bn, true),
            ("limited_bidding", "goods", 2 * bn, false),
            ("direct_appointment", "consulting", bn / 3, false),
        ];
        let mut created = Vec::new();
        for (i, (method, field, price, online)) in specs.iter().enumerate() {
            created.push(c.package(json!({"unit_id": unit, "name": format!("Gói {i}"), "plan_year": 2019, "field": field, "method": method, "package_price_vnd": price, "online": online})).await);
        }
        let id = created[4]["id"].as_i64().expect("id");
        let tag = c
            .get(&format!("/api/v1/packages/{id}"))
            .await
            .header("etag")
            .expect("etag")
            .to_owned();
        let r = c
            .patch(
                &format!("/api/v1/packages/{id}"),
                &json!({"online": true}),
                Some(&tag),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);

        let figures = c
            .get(&format!("/api/v1/compliance?unit_id={unit}&year=2019"))
            .await
            .json();
        let figures = &figures["targets"][0];
        assert_eq!(
            (figures["in_scope"].as_i64(), figures["online"].as_i64()),
            (Some(8), Some(4))
        );
        assert_eq!(
            (
                figures["share_percent"].as_str(),
                figures["met"].as_bool(),
                figures["shortfall"].as_i64()
            ),
            (Some("50.00"), Some(true), Some(0))
        );
    }
);

/// Parser English that must never reach a user.
fn assert_no_parser_text(text: &str) {
    for english in [
        "missing field",
        "invalid type",
        "unknown variant",
        "expected",
        "at line",
        "column",
        "premature",
        "trailing",
    ] {
        assert!(!text.contains(english), "{english:?} in {text}");
    }
}

db_test!(body_errors_name_each_field, |db: TestDb| async move {
    let c = Client::new(&db);
    let unit = c.unit("U", "district", None).await;
    let base = json!({"unit_id": unit, "name": "Gói", "plan_year": 2019, "field": "goods",
                      "method": "open_bidding", "package_price_vnd": 1_000_000, "online": true});
    let edit = |changes: &[(&str, Value)], removed: &[&str]| {
        let mut b = base.clone();
        for (k, v) in changes {
            b[*k] = v.clone();
        }
        for k in removed {
            b.as_object_mut().expect("object").remove(*k);
        }
        b
    };
    // Each entry: field, code, and a piece of its Vietnamese message.
    let errors = |r: crate::client::Response| -> Vec<(String, String, String)> {
        assert_no_parser_text(&r.text);
        let p = r.problem(422, "validation_failed");
        p["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| {
                (
                    e["field"].as_str().expect("field").to_owned(),
                    e["code"].as_str().expect("code").to_owned(),
                    e["message"].as_str().expect("message").to_owned(),
                )
            })
            .collect()
    };
    let one = |errors: Vec<(String, String, String)>, field: &str, code: &str, says: &str| {
        assert_eq!(errors.len(), 1, "{errors:?}");
        let (f, c, m) = &errors[0];
        assert_eq!((f.as_str(), c.as_str()), (field, code), "{m}");
        assert!(m.contains(says), "{m}");
    };

    // POST: a missing field, a price sent as text, an unknown method, a date that is not one.
    let r = c.post("/api/v1/packages", &edit(&[], &["name"])).await;
    one(errors(r), "name", "required", "Thiếu «name»");
    let r = c
        .post(
            "/api/v1/packages",
            &edit(&[("package_price_vnd", json!("1.000.000"))], &[]),
        )
        .await;
    one(errors(r), "package_price_vnd", "invalid_type", "số nguyên");
    let r = c
        .post(
            "/api/v1/packages",
            &edit(&[("method", json!("auction"))], &[]),
        )
        .await;
    one(
        errors(r),
        "method",
        "invalid_choice",
        "«auction»; các giá trị được chấp nhận: open_bidding, limited_bidding, competitive_offers,",
    );
    let r = c
        .post(
            "/api/v1/packages",
            &edit(&[("result_date", json!("30/06/2019"))], &[]),
        )
        .await;
    one(errors(r), "result_date", "invalid_date", "YYYY-MM-DD");
    let r = c
        .post("/api/v1/packages", &edit(&[("online", json!("có"))], &[]))
        .await;
    one(errors(r), "online", "invalid_type", "true hoặc false");
    // Everything wrong at once: every field is named, not only the first serde met.
    let r = c
        .post(
            "/api/v1/packages",
            &edit(
                &[
                    ("plan_year", json!("2019")),
                    ("method", json!("auction")),
                    ("result_date", json!("2019-02-30")),
                    ("colour", json!("red")),
                    ("name", Value::Null),
                ],
                &["online", "field"],
            ),
        )
        .await;
    let fields: Vec<(String, String)> = errors(r).into_iter().map(|(f, c, _)| (f, c)).collect();
    let expected: Vec<(String, String)> = [
        ("colour", "unknown_field"),
        ("field", "required"),
        ("method", "invalid_choice"),
        ("name", "required"),
        ("online", "required"),
        ("plan_year", "invalid_type"),
        ("result_date", "invalid_date"),
    ]
    .iter()
    .map(|(f, c)| ((*f).to_owned(), (*c).to_owned()))
    .collect();
    assert_eq!(fields, expected);

    // PATCH: the same messages for the same mistakes.
    let created = c.package(base.clone()).await;
    let url = format!("/api/v1/packages/{}", created["id"]);
    let r = c
        .patch(
            &url,
            &json!({"package_price_vnd": "1.000.000"}),
            Some("\"1\""),
        )
        .await;
    one(errors(r), "package_price_vnd", "invalid_type", "số nguyên");
    let r = c
        .patch(&url, &json!({"method": "auction"}), Some("\"1\""))
        .await;
    one(errors(r), "method", "invalid_choice", "online_shopping");
    let r = c
        .patch(&url, &json!({"result_date": "2019-13-01"}), Some("\"1\""))
        .await;
    one(errors(r), "result_date", "invalid_date", "YYYY-MM-DD");
    let r = c
        .patch(&url, &json!({"winning_price_vnd": 12.5}), Some("\"1\""))
        .await;
    one(errors(r), "winning_price_vnd", "invalid_type", "số nguyên");
    let r = c
        .patch(&url, &json!({"plan_year": 99999999999_i64}), Some("\"1\""))
        .await;
    one(errors(r), "plan_year", "range", "từ 2000 đến 2100");
    let r = c.patch(&url, &json!({"nmae": "x"}), Some("\"1\"")).await;
    one(errors(r), "nmae", "unknown_field", "«nmae»");
    let r = c.patch(&url, &json!(["name"]), Some("\"1\"")).await;
    one(errors(r), "body", "invalid_type", "đối tượng JSON");
    // Nothing changed.
    assert_eq!(c.get(&url).await.json()["version"], 1);

    // Not JSON at all stays a body-level 400, in Vietnamese, with where it broke.
    for body in [
        &b"{\"name\": \"x\",\n  \"plan_year\": 20x9}"[..],
        &b"{\"name\": \"x\""[..],
    ] {
        let r = c
            .send(
                Request::post("/api/v1/packages")
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(body.to_vec()))
                    .expect("request"),
            )
            .await;
        assert_no_parser_text(&r.text);
        let p = r.problem(400, "invalid_json");
        let detail = p["detail"].as_str().expect("detail");
        assert!(
            detail.starts_with("Nội dung không phải JSON hợp lệ") && detail.contains("dòng"),
            "{detail}"
        );
    }
});
