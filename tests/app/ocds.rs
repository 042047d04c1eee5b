//! The OCDS export: valid against the official OCDS 1.1 release-package schema (vendored in
//! tests/fixtures/ocds, formats checked), closed codelists only, no empty strings, arrays or
//! objects, no field the schema does not define.

use crate::client::Client;
use crate::db_test;
use crate::support::*;
use bidtrack::seed::demo;
use serde_json::Value;
use std::collections::HashSet;

fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ocds")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn schema(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).expect("schema JSON")
}

/// The codes of a closed codelist.
fn codes(list: &str) -> HashSet<String> {
    fixture(&format!("codelists/{list}.csv"))
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .map(|c| c.trim_matches('"').to_owned())
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

db_test!(ocds_export_is_valid_ocds_1_1, |db: TestDb| async move {
    demo::load(&db.conn).await.expect("demo");
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
        }
    }
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

db_test!(ocds_round_trip_keeps_the_figures, |db: TestDb| async move {
    demo::load(&db.conn).await.expect("demo");
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
    assert_eq!(report["created"], 300, "{report}");

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
    assert_eq!(again["unchanged"], 300, "{again}");

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
        (Some(1), Some(299)),
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
