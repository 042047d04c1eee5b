//! The OCDS export: valid against the official OCDS 1.1 release-package schema (vendored in
//! tests/fixtures/ocds, formats checked), closed codelists only, no empty strings, arrays or
//! objects, no field the schema does not define.

use crate::client::Client;
use crate::db_test;
use crate::support::*;
use bidtrack::seed::demo;
use bidtrack::services::packages::NewPackage;
use chrono::{DateTime, NaiveDate, Timelike};
use entity::{Field, Method, PackageStatus, package};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};

fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ocds")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn schema(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).expect("schema JSON")
}

/// The cells of a codelist line: commas inside quotes belong to the cell (documentType's
/// sections read `"tender, award"`).
fn cells(line: &str) -> Vec<String> {
    let (mut out, mut cell, mut quoted) = (Vec::new(), String::new(), false);
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cell)),
            _ => cell.push(c),
        }
    }
    out.push(cell);
    out
}

/// The codes of a codelist (its `Code` column: the first, but documentType's third).
fn codes(list: &str) -> HashSet<String> {
    let text = fixture(&format!("codelists/{list}.csv"));
    let mut lines = text.lines();
    let column = lines
        .next()
        .map(cells)
        .and_then(|h| h.iter().position(|c| c == "Code"))
        .expect("a Code column");
    lines
        .filter_map(|l| cells(l).into_iter().nth(column))
        .collect()
}

/// The release schema, served to the validator for the package schema's `$ref`.
struct Vendored(Value);

impl jsonschema::Retrieve for Vendored {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        if uri.as_str().ends_with("/release-schema.json") {
            Ok(self.0.clone())
        } else {
            Err(format!("not vendored: {}", uri.as_str()).into())
        }
    }
}

/// `^ocds-[a-z0-9]{6}-.+`: the form strict validators require of an ocid (a prefix the Open
/// Contracting Partnership registered, then the publisher's own identifier).
fn strict_ocid(ocid: &str) -> bool {
    ocid.strip_prefix("ocds-")
        .and_then(|rest| rest.split_once('-'))
        .is_some_and(|(prefix, id)| {
            prefix.len() == 6
                && prefix
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                && !id.is_empty()
        })
}

/// A malformed prefix stops every command before it opens the database, with the reason.
#[test]
fn a_malformed_ocid_prefix_is_refused_at_start() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("never.db");
    let url = format!("sqlite://{}?mode=rwc", db.display());
    for bad in [
        "ocds-bidtrack",
        "ocds-ABC123",
        "ocds-abc12",
        "abcdef",
        "ocds-abc12é",
    ] {
        for args in [&["migrate"][..], &["export-ocds", "--unit", "HN"][..]] {
            let run = std::process::Command::new(env!("CARGO_BIN_EXE_bidtrack"))
                .args(args)
                .env("DATABASE_URL", &url)
                .env("BIDTRACK_OCID_PREFIX", bad)
                .env_remove("RUST_LOG")
                .output()
                .expect("run");
            let err = String::from_utf8_lossy(&run.stderr);
            assert_eq!(run.status.code(), Some(2), "{bad}: {err}");
            assert_eq!(err.lines().count(), 1, "{bad}: {err}");
            assert!(
                err.contains("BIDTRACK_OCID_PREFIX")
                    && err.contains("six lowercase letters or digits")
                    && err.contains(&format!("{bad:?}")),
                "{bad}: {err}"
            );
        }
    }
    assert!(!db.exists(), "refused before the database was opened");
    // The default is a well-formed placeholder, and the server says so when it starts.
    assert!(strict_ocid(&format!(
        "{}-IB1900000001",
        bidtrack::ocds::PLACEHOLDER_OCID_PREFIX
    )));
}

/// Every string, array and object is non-empty.
fn assert_nothing_empty(v: &Value, path: &str) {
    match v {
        Value::String(s) => assert!(!s.is_empty(), "empty string at {path}"),
        Value::Array(a) => {
            assert!(!a.is_empty(), "empty array at {path}");
            for (i, x) in a.iter().enumerate() {
                assert_nothing_empty(x, &format!("{path}[{i}]"));
            }
        }
        Value::Object(o) => {
            assert!(!o.is_empty(), "empty object at {path}");
            for (k, x) in o {
                assert_nothing_empty(x, &format!("{path}.{k}"));
            }
        }
        _ => {}
    }
}

/// Every key of `v` is a property the schema defines (following `#/definitions/…` refs).
fn assert_known_fields(v: &Value, s: &Value, root: &Value, path: &str) {
    let s = match s.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.rsplit('/').next().expect("ref");
            &root["definitions"][name]
        }
        None => s,
    };
    match v {
        Value::Object(o) => {
            let props = s.get("properties").and_then(Value::as_object);
            for (k, x) in o {
                let p = props
                    .and_then(|p| p.get(k))
                    .unwrap_or_else(|| panic!("{path}.{k} is not an OCDS field"));
                assert_known_fields(x, p, root, &format!("{path}.{k}"));
            }
        }
        Value::Array(a) => {
            if let Some(items) = s.get("items") {
                for (i, x) in a.iter().enumerate() {
                    assert_known_fields(x, items, root, &format!("{path}[{i}]"));
                }
            }
        }
        _ => {}
    }
}

/// Packages beside the demo's that hold the procurement record in the forms easiest to lose: a
/// branch's tax code and a citizen id, bid closing times with minutes, notice versions, a
/// procuring entity apart from the unit, a planned quarter or only a year beside a notice, a
/// cancellation with and without its decision, a result recorded before a cancellation, an
/// evaluation under way.
async fn record_packages(db: &TestDb) -> Vec<package::Model> {
    let unit = bidtrack::db::units::find_by_code(&db.conn, demo::HA_DONG)
        .await
        .expect("q")
        .expect("unit")
        .id;
    let at = |t: &str| DateTime::parse_from_rfc3339(t).ok();
    let date = |m, d| NaiveDate::from_ymd_opt(2019, m, d);
    let base =
        |name: &str| new_package(unit, name, Method::OpenBidding, Field::Goods, 5 * BN, true);
    let inputs = [
        NewPackage {
            code: Some("IB1900990001".to_owned()),
            notice_version: Some(2),
            notice_date: date(4, 2),
            bid_closing_at: at("2019-04-22T14:30:00+07:00"),
            procuring_entity: Some("Ban Quản lý dự án đầu tư xây dựng quận Hà Đông".to_owned()),
            planned_start_quarter: Some(2),
            status: PackageStatus::Awarded,
            bidder_count: Some(4),
            award_decision_no: Some("215/QĐ-BQLDA".to_owned()),
            result_date: date(6, 14),
            winning_price_vnd: Some(4_650_000_000),
            contractor_name: Some("Chi nhánh Công ty TNHH Thiết bị Thăng Long".to_owned()),
            contractor_tax_code: Some("0100109106-001".to_owned()),
            contract_duration_days: Some(120),
            ..base("Hồ sơ đầy đủ: chi nhánh trúng thầu")
        },
        NewPackage {
            code: Some("IB1900990002".to_owned()),
            notice_version: Some(0),
            notice_date: date(5, 6),
            bid_closing_at: at("2019-05-27T09:45:00+07:00"),
            planned_start_month: Some(5),
            status: PackageStatus::Cancelled,
            bidder_count: Some(0),
            cancellation_decision_no: Some("88/QĐ-UBND".to_owned()),
            cancellation_reason: Some(
                "Không có nhà thầu tham dự: gia hạn thời điểm đóng thầu không hiệu quả".to_owned(),
            ),
            ..base("Hủy thầu có quyết định")
        },
        NewPackage {
            code: Some("IB1900990003".to_owned()),
            notice_version: Some(1),
            notice_date: date(7, 1),
            bid_closing_at: at("2019-07-15T10:15:00+07:00"),
            procuring_entity: Some("Trung tâm Phát triển quỹ đất quận Hà Đông".to_owned()),
            status: PackageStatus::UnderEvaluation,
            bidder_count: Some(2),
            ..base("Đang đánh giá, kế hoạch chỉ ghi năm")
        },
        NewPackage {
            planned_start_month: Some(8),
            status: PackageStatus::Awarded,
            award_decision_no: Some("17/QĐ-UBND".to_owned()),
            result_date: date(8, 20),
            winning_price_vnd: Some(4_900_000_000),
            contractor_name: Some("Nguyễn Văn An".to_owned()),
            contractor_tax_code: Some("001085012345".to_owned()),
            contract_duration_days: Some(30),
            ..base("Trúng thầu là cá nhân, không có TBMT")
        },
        NewPackage {
            code: Some("IB1900990005".to_owned()),
            notice_version: Some(0),
            notice_date: date(3, 11),
            bid_closing_at: at("2019-03-25T15:05:00+07:00"),
            planned_start_month: Some(3),
            status: PackageStatus::Cancelled,
            bidder_count: Some(3),
            award_decision_no: Some("41/QĐ-BQLDA".to_owned()),
            result_date: date(4, 19),
            winning_price_vnd: Some(4_100_000_000),
            contractor_name: Some("Công ty Cổ phần Xây lắp Sông Đà".to_owned()),
            contractor_tax_code: Some("0100109106".to_owned()),
            contract_duration_days: Some(60),
            cancellation_reason: Some("Nhà thầu trúng thầu không ký hợp đồng".to_owned()),
            ..base("Hủy sau khi có kết quả, quyết định hủy chưa ghi số")
        },
        NewPackage {
            code: Some("IB1900990006".to_owned()),
            notice_date: date(10, 7),
            planned_start_quarter: Some(4),
            status: PackageStatus::NoticePublished,
            ..base("Mới đăng TBMT, chưa có thời điểm đóng thầu")
        },
    ];
    let mut out = Vec::new();
    for p in inputs {
        out.push(create(&db.conn, p).await);
    }
    out
}

/// The releases of the ocid that ends with `code`: its tender release, and its award release.
fn process<'a>(releases: &'a [Value], code: &str) -> (&'a Value, Option<&'a Value>) {
    let of = |tag: &str| {
        releases.iter().find(|r| {
            r["ocid"]
                .as_str()
                .is_some_and(|o| o.ends_with(&format!("-{code}")))
                && (r["tag"][0] == "award") == (tag == "award")
        })
    };
    (of("tender").expect("a tender release"), of("award"))
}

/// The party of `release` whose id `reference` names.
fn party<'a>(release: &'a Value, reference: &Value) -> &'a Value {
    release["parties"]
        .as_array()
        .expect("parties")
        .iter()
        .find(|p| p["id"] == reference["id"])
        .unwrap_or_else(|| panic!("no party {reference}"))
}

/// Every field of the procurement record on the export: parties, periods, counts, decisions,
/// versions.
fn assert_record_exported(releases: &[Value]) {
    let (tender, award) = process(releases, "IB1900990001");
    let t = &tender["tender"];
    assert_eq!(
        t["tenderPeriod"],
        json!({"startDate": "2019-04-02T00:00:00+07:00", "endDate": "2019-04-22T14:30:00+07:00"})
    );
    assert_eq!(t["numberOfTenderers"], 4);
    assert_eq!(
        t["id"], "IB1900990001",
        "the notice number alone, as in the ocid"
    );
    assert!(
        t["documents"].as_array().expect("documents").contains(
            &json!({"id": "IB1900990001-02", "documentType": "tenderNotice",
                "title": "Thông báo mời thầu số IB1900990001-02", "language": "vi"})
        ),
        "{t}"
    );
    let planned = &t["milestones"][0];
    assert_eq!(
        (&planned["code"], &planned["dueDate"]),
        (
            &json!("plannedStartQuarter"),
            &json!("2019-04-01T00:00:00+07:00")
        )
    );
    let pe = party(tender, &t["procuringEntity"]);
    assert_eq!(pe["roles"], json!(["procuringEntity"]));
    assert_eq!(pe["name"], "Ban Quản lý dự án đầu tư xây dựng quận Hà Đông");
    assert_eq!(party(tender, &tender["buyer"])["roles"], json!(["buyer"]));

    let award_release = award.expect("an award release");
    let a = &award_release["awards"][0];
    assert_eq!(a["status"], "active");
    assert_eq!(a["date"], "2019-06-14T00:00:00+07:00");
    assert_eq!(
        a["title"],
        "Quyết định phê duyệt kết quả lựa chọn nhà thầu số 215/QĐ-BQLDA"
    );
    assert_eq!(
        a["value"],
        json!({"amount": 4_650_000_000i64, "currency": "VND"})
    );
    assert_eq!(a["contractPeriod"], json!({"durationInDays": 120}));
    // The supplier carries the tax code as its identifier, under org-id.guide's list of
    // Vietnam's tax codes; the award names it by the party's id and name.
    let supplier = party(award_release, &a["suppliers"][0]);
    assert_eq!(
        supplier,
        &json!({"id": "VN-TIN-0100109106-001", "name": "Chi nhánh Công ty TNHH Thiết bị Thăng Long",
            "identifier": {"scheme": "VN-TIN", "id": "0100109106-001"}, "roles": ["supplier"]})
    );
    assert_eq!(a["suppliers"][0]["name"], supplier["name"]);

    // A cancellation: the status, and the decision and reason in a cancellationDetails
    // document (OCDS 1.1 has no tender.statusDetails).
    let (cancelled, none) = process(releases, "IB1900990002");
    assert!(none.is_none(), "nothing of an award");
    assert_eq!(cancelled["tag"], json!(["tenderCancellation"]));
    let t = &cancelled["tender"];
    assert_eq!(t["status"], "cancelled");
    assert_eq!(t["numberOfTenderers"], 0);
    assert!(
        t["documents"]
            .as_array()
            .expect("documents")
            .contains(&json!({"id": "cancellation", "documentType": "cancellationDetails",
                "title": "Quyết định hủy thầu số 88/QĐ-UBND",
                "description": "Không có nhà thầu tham dự: gia hạn thời điểm đóng thầu không hiệu quả",
                "language": "vi"})),
        "{t}"
    );
    let buyer = party(cancelled, &t["procuringEntity"]);
    assert_eq!(buyer["roles"], json!(["buyer", "procuringEntity"]));

    // A result recorded before the cancellation travels as a cancelled award.
    let (_, award) = process(releases, "IB1900990005");
    assert_eq!(award.expect("award")["awards"][0]["status"], "cancelled");

    // An evaluation under way: an open tender with the evaluation milestone.
    let (evaluating, _) = process(releases, "IB1900990003");
    let t = &evaluating["tender"];
    assert_eq!(t["status"], "active");
    let codes: Vec<&Value> = t["milestones"]
        .as_array()
        .expect("milestones")
        .iter()
        .map(|m| &m["code"])
        .collect();
    assert_eq!(codes, [&json!("plannedStartYear"), &json!("bidEvaluation")]);
}

db_test!(ocds_export_is_valid_ocds_1_1, |db: TestDb| async move {
    demo::load(&db.conn).await.expect("demo");
    record_packages(&db).await;
    let c = Client::new(&db);
    let hn = bidtrack::db::units::find_by_code(&db.conn, "HN")
        .await
        .expect("q")
        .expect("unit")
        .id;
    let r = c
        .get(&format!(
            "/api/v1/ocds/release-package?unit_id={hn}&year=2019"
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let package = r.json();

    let release_schema = schema("release-schema.json");
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .with_retriever(Vendored(release_schema.clone()))
        .build(&schema("release-package-schema.json"))
        .expect("the package schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&package)
        .take(10)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    assert_nothing_empty(&package, "$");
    let releases = package["releases"].as_array().expect("releases");
    let count = c
        .get(&format!(
            "/api/v1/packages?unit_id={hn}&plan_year=2019&per_page=1"
        ))
        .await
        .json()["total"]
        .as_u64()
        .expect("total");
    let awards = releases.iter().filter(|r| r["tag"][0] == "award").count();
    assert!(awards > 0, "the demo has awarded packages");
    assert_eq!(
        releases.len() as u64,
        count + awards as u64,
        "one tender release each, plus awards"
    );
    let ids: HashSet<&str> = releases.iter().filter_map(|r| r["id"].as_str()).collect();
    assert_eq!(ids.len(), releases.len(), "release ids are unique");

    let (tags, methods, categories, statuses, submission, currencies) = (
        codes("releaseTag"),
        codes("method"),
        codes("procurementCategory"),
        codes("tenderStatus"),
        codes("submissionMethod"),
        codes("currency"),
    );
    let (award_statuses, roles, documents, milestones) = (
        codes("awardStatus"),
        codes("partyRole"),
        codes("documentType"),
        codes("milestoneType"),
    );
    for r in releases {
        assert_known_fields(r, &release_schema, &release_schema, "release");
        assert!(r["ocid"].as_str().is_some_and(strict_ocid), "{}", r["ocid"]);
        assert!(
            r["date"].as_str().is_some_and(|d| d.ends_with("+07:00")),
            "{}",
            r["date"]
        );
        for t in r["tag"].as_array().expect("tag") {
            assert!(tags.contains(t.as_str().expect("tag")), "{t}");
        }
        if let Some(t) = r.get("tender") {
            assert!(methods.contains(t["procurementMethod"].as_str().expect("method")));
            assert!(statuses.contains(t["status"].as_str().expect("status")));
            if let Some(cat) = t.get("mainProcurementCategory") {
                assert!(
                    categories.contains(cat.as_str().expect("category")),
                    "{cat}"
                );
            }
            for s in t["submissionMethod"].as_array().expect("submission") {
                assert!(submission.contains(s.as_str().expect("code")), "{s}");
            }
            assert!(currencies.contains(t["value"]["currency"].as_str().expect("currency")));
            assert!(t["value"]["amount"].is_i64());
            for d in t["documents"].as_array().into_iter().flatten() {
                assert!(documents.contains(d["documentType"].as_str().expect("type")));
            }
            for m in t["milestones"].as_array().into_iter().flatten() {
                assert!(milestones.contains(m["type"].as_str().expect("type")));
            }
            // tender.procuringEntity names a party of the release with that role.
            assert!(
                party(r, &t["procuringEntity"])["roles"]
                    .as_array()
                    .expect("roles")
                    .contains(&json!("procuringEntity"))
            );
            if let Some(end) = t["tenderPeriod"]["endDate"].as_str() {
                assert!(end.ends_with("+07:00"), "{end}");
            }
        }
        for a in r["awards"].as_array().into_iter().flatten() {
            assert!(award_statuses.contains(a["status"].as_str().expect("status")));
            for s in a["suppliers"].as_array().into_iter().flatten() {
                assert_eq!(party(r, s)["roles"], json!(["supplier"]));
            }
        }
        for p in r["parties"].as_array().expect("parties") {
            for role in p["roles"].as_array().expect("roles") {
                assert!(roles.contains(role.as_str().expect("role")), "{role}");
            }
        }
    }
    assert_record_exported(releases);
    // Online packages are electronic submissions; the method's name is kept in Vietnamese.
    let online = releases
        .iter()
        .filter_map(|r| r.get("tender"))
        .find(|t| t["submissionMethod"][0] == "electronicSubmission")
        .expect("an online package");
    assert!(online["procurementMethodDetails"].is_string());

    // The command line writes the same releases, under the publisher's own prefix.
    let out = tempfile::NamedTempFile::new().expect("file");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_bidtrack"))
        .args(["export-ocds", "--unit", "HN", "--year", "2019", "-o"])
        .arg(out.path())
        .env("DATABASE_URL", &db.url)
        .env("BIDTRACK_OCID_PREFIX", "ocds-a1b2c3")
        .env_remove("RUST_LOG")
        .output()
        .expect("run");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(out.path()).expect("read")).expect("JSON");
    assert_eq!(
        file["releases"].as_array().map(Vec::len),
        Some(releases.len())
    );
    assert!(validator.is_valid(&file));
    for r in file["releases"].as_array().expect("releases") {
        let ocid = r["ocid"].as_str().expect("ocid");
        assert!(
            strict_ocid(ocid) && ocid.starts_with("ocds-a1b2c3-"),
            "{ocid}"
        );
    }

    // A unit that does not exist; a year out of range.
    c.get("/api/v1/ocds/release-package?unit_id=999999")
        .await
        .problem(422, "validation_failed");
    c.get(&format!(
        "/api/v1/ocds/release-package?unit_id={hn}&year=1999"
    ))
    .await
    .problem(422, "validation_failed");
});

/// Whether a package holds a field of the record.
type Holds = fn(&NewPackage) -> bool;

/// Every package as it travels in OCDS, by unit code, plan year and name: the package command
/// of each, its unit left out (ids differ between databases) and what OCDS does not carry
/// (plan code, funding source, contract type, notes; see the README).
async fn travelling(db: &TestDb) -> BTreeMap<(String, i32, String), NewPackage> {
    use sea_orm::EntityTrait;
    let units: HashMap<i64, String> = entity::unit::Entity::find()
        .all(&db.conn)
        .await
        .expect("units")
        .into_iter()
        .map(|u| (u.id, u.code))
        .collect();
    let mut out = BTreeMap::new();
    for p in package::Entity::find()
        .all(&db.conn)
        .await
        .expect("packages")
    {
        let key = (units[&p.unit_id].clone(), p.plan_year, p.name.clone());
        // What OCDS does not carry back: the plan (planning.budget names the project, which
        // the import does not read), the plan code, funding, contract type and notes.
        let travels = NewPackage {
            unit_id: 0,
            plan_id: None,
            plan_code: None,
            funding_source: None,
            contract_type: None,
            notes: None,
            ..NewPackage::from_model(&p)
        };
        assert!(out.insert(key.clone(), travels).is_none(), "{key:?} twice");
    }
    out
}

db_test!(ocds_round_trip_keeps_the_figures, |db: TestDb| async move {
    demo::load(&db.conn).await.expect("demo");
    let extra = record_packages(&db).await;
    // The data hold every field of the record, in the forms that are easy to lose.
    assert!(extra.iter().any(|p| {
        p.contractor_tax_code
            .as_deref()
            .is_some_and(|t| t.contains('-'))
    }));
    assert!(extra.iter().any(|p| p.status == PackageStatus::Cancelled
        && p.cancellation_decision_no.is_some()
        && p.cancellation_reason.is_some()));
    assert!(
        extra
            .iter()
            .any(|p| p.bid_closing_at.is_some_and(|t| t.minute() != 0))
    );
    let c = Client::new(&db);
    let hn = bidtrack::db::units::find_by_code(&db.conn, "HN")
        .await
        .expect("q")
        .expect("unit")
        .id;
    let package = c
        .get(&format!("/api/v1/ocds/release-package?unit_id={hn}"))
        .await
        .text;

    // An empty database with the same unit tree.
    let engine = if db.engine_name() == "sqlite" {
        crate::support::Engine::Sqlite
    } else {
        crate::support::Engine::Postgres
    };
    let other = TestDb::new(engine).await.expect("a second database");
    let mut units = <entity::unit::Entity as sea_orm::EntityTrait>::find()
        .all(&db.conn)
        .await
        .expect("units");
    units.sort_by_key(|u| u.id);
    let codes: std::collections::HashMap<i64, String> =
        units.iter().map(|u| (u.id, u.code.clone())).collect();
    for u in &units {
        let parent = match u.parent_id.and_then(|p| codes.get(&p)) {
            Some(code) => Some(
                bidtrack::db::units::find_by_code(&other.conn, code)
                    .await
                    .expect("q")
                    .expect("parent first")
                    .id,
            ),
            None => None,
        };
        add_unit(&other.conn, &u.code, u.kind, parent).await;
    }
    let c2 = Client::new(&other);
    let r = c2
        .post_bytes(
            "/api/v1/imports/ocds",
            "application/json",
            package.clone().into_bytes(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let report = r.json();
    let total = 748 + extra.len();
    assert_eq!(report["created"], total, "{report}");

    // Every package comes back with every field OCDS carries.
    let (before, after) = (travelling(&db).await, travelling(&other).await);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    for (key, a) in &before {
        assert_eq!(Some(a), after.get(key), "{key:?}");
    }
    let record: [(&str, Holds); 11] = [
        ("notice_version", |p| p.notice_version.is_some()),
        ("notice_date", |p| p.notice_date.is_some()),
        ("bid_closing_at", |p| p.bid_closing_at.is_some()),
        ("procuring_entity", |p| p.procuring_entity.is_some()),
        ("bidder_count", |p| p.bidder_count.is_some()),
        ("award_decision_no", |p| p.award_decision_no.is_some()),
        ("contractor_tax_code", |p| p.contractor_tax_code.is_some()),
        ("contract_duration_days", |p| {
            p.contract_duration_days.is_some()
        }),
        ("cancellation_decision_no", |p| {
            p.cancellation_decision_no.is_some()
        }),
        ("cancellation_reason", |p| p.cancellation_reason.is_some()),
        ("under_evaluation", |p| {
            p.status == PackageStatus::UnderEvaluation
        }),
    ];
    for (field, set) in record {
        assert!(after.values().any(set), "no package kept {field}");
    }

    // The same figures, for the city and a district, by plan and by result.
    for code in ["HN", demo::HA_DONG, "HN-HOANKIEM"] {
        let id1 = bidtrack::db::units::find_by_code(&db.conn, code)
            .await
            .expect("q")
            .expect("u")
            .id;
        let id2 = bidtrack::db::units::find_by_code(&other.conn, code)
            .await
            .expect("q")
            .expect("u")
            .id;
        for view in ["plan", "result"] {
            let a = c
                .get(&format!(
                    "/api/v1/compliance?unit_id={id1}&year=2019&view={view}"
                ))
                .await
                .json();
            let b = c2
                .get(&format!(
                    "/api/v1/compliance?unit_id={id2}&year=2019&view={view}"
                ))
                .await
                .json();
            for key in [
                "in_scope",
                "online",
                "share_percent",
                "met",
                "shortfall",
                "value_in_scope_vnd",
                "value_online_vnd",
            ] {
                assert_eq!(a[key], b[key], "{code} {view} {key}");
            }
        }
    }
    // Importing the same package again changes nothing.
    let again = c2
        .post_bytes(
            "/api/v1/imports/ocds",
            "application/json",
            package.clone().into_bytes(),
        )
        .await
        .json();
    assert_eq!(again["unchanged"], total, "{again}");

    // The latest release of an ocid wins; a buyer no unit matches is a clear error.
    let mut doc: Value = serde_json::from_str(&package).expect("json");
    let releases = doc["releases"].as_array_mut().expect("releases");
    let mut later = releases[0].clone();
    later["date"] = Value::String("2030-01-01T00:00:00+07:00".to_owned());
    later["id"] = Value::String("later".to_owned());
    later["tender"]["title"] = Value::String("Tên mới nhất".to_owned());
    releases.push(later);
    let r = c2
        .post_bytes(
            "/api/v1/imports/ocds?dry_run=true",
            "application/json",
            doc.to_string().into_bytes(),
        )
        .await
        .json();
    assert_eq!(
        (r["updated"].as_u64(), r["unchanged"].as_u64()),
        (Some(1), Some(total as u64 - 1)),
        "{r}"
    );
    let i = doc["releases"]
        .as_array()
        .expect("releases")
        .iter()
        .enumerate()
        .skip(1)
        .find(|(_, r)| r["tag"][0] != "award")
        .map(|(i, _)| i)
        .expect("a tender release");
    doc["releases"][i]["buyer"] = serde_json::json!({"id": "XX", "name": "Không ai"});
    let p = c2
        .post_bytes(
            "/api/v1/imports/ocds",
            "application/json",
            doc.to_string().into_bytes(),
        )
        .await
        .problem(422, "import_rejected");
    assert_eq!(p["report"]["errors"][0]["row"], i + 1);
    assert_eq!(
        p["report"]["errors"][0]["message"],
        "Không có đơn vị nào khớp bên mời thầu (id «XX», tên «Không ai»)"
    );
    c2.post_bytes(
        "/api/v1/imports/ocds",
        "application/json",
        b"{\"x\":1}".to_vec(),
    )
    .await
    .problem(422, "invalid_ocds");
});
