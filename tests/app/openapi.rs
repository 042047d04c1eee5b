//! The committed OpenAPI document is the generated one. Regenerate with
//! `UPDATE_OPENAPI=1 cargo test openapi`.

use std::path::PathBuf;

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("openapi")
        .join("openapi.json")
}

pub fn generated() -> String {
    let mut json = bidtrack::api::openapi()
        .to_pretty_json()
        .expect("serialize the OpenAPI document");
    json.push('\n');
    json
}

#[test]
fn committed_openapi_document_is_current() {
    let path = committed_path();
    let generated = generated();
    if std::env::var("UPDATE_OPENAPI").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &generated).expect("write openapi/openapi.json");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json differs from the document the code generates.\n\
         Regenerate it with `UPDATE_OPENAPI=1 cargo test openapi` and commit the result."
    );
}

#[test]
fn every_operation_is_documented() {
    let doc: serde_json::Value = serde_json::from_str(&generated()).expect("json");
    let paths = doc["paths"].as_object().expect("paths");
    let mut operation_ids = std::collections::HashSet::new();
    assert!(paths.len() >= 7, "{:?}", paths.keys());
    for (path, item) in paths {
        assert!(path.starts_with("/api/v1/"), "{path}");
        for (method, op) in item.as_object().expect("path item") {
            let name = format!("{method} {path}");
            // Client generators name methods after operationId: it must be there and unique.
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{name}: operationId"));
            assert!(
                operation_ids.insert(id.to_owned()),
                "{name}: duplicate operationId {id}"
            );
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{name}: summary"
            );
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{name}: tag"
            );
            let responses = op["responses"].as_object().expect("responses");
            assert!(
                responses.keys().any(|k| k.starts_with('2')),
                "{name}: a success response"
            );
            assert!(
                responses.keys().any(|k| k.starts_with('4')),
                "{name}: its problem responses"
            );
            for (status, r) in responses {
                if status.starts_with('4') {
                    assert!(
                        r["content"]["application/problem+json"].is_object(),
                        "{name} {status}: problem+json"
                    );
                }
            }
        }
    }
    // Every reference resolves.
    fn refs(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(r) = m.get("$ref").and_then(|r| r.as_str()) {
                    out.push(r.to_owned());
                }
                m.values().for_each(|v| refs(v, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in all {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected $ref {r}"));
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "dangling $ref {r}"
        );
    }
    // Every enum lists every value.
    let method = &doc["components"]["schemas"]["Method"]["enum"];
    assert_eq!(
        method.as_array().map(Vec::len),
        Some(entity::Method::ALL.len()),
        "{method}"
    );
    let status = &doc["components"]["schemas"]["PackageStatus"]["enum"];
    assert_eq!(
        status.as_array().map(Vec::len),
        Some(entity::PackageStatus::ALL.len())
    );
}
