//! The `bidtrack` binary end to end: the promised demo → check session, and one-line errors with
//! a non-zero exit for bad input.

use crate::db_test;
use crate::support::*;
use bidtrack::services::packages::create as create_package;
use entity::{Field, Method};
use std::process::{Command, Output};

fn bidtrack(database_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bidtrack"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env_remove("RUST_LOG")
        .output()
        .expect("run bidtrack")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The line of the table that starts with `label`, split into its cells.
fn row(table: &str, label: &str) -> Vec<String> {
    table
        .lines()
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no `{label}` row in:\n{table}"))
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect()
}

fn assert_one_line_error(o: &Output, contains: &str) {
    assert!(!o.status.success(), "exit code must be non-zero");
    let err = stderr(o);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(
        err.starts_with("error: ") && err.contains(contains),
        "{err}"
    );
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
}

db_test!(demo_then_check, |db: TestDb| async move {
    let demo = bidtrack(&db.url, &["demo"]);
    assert!(demo.status.success(), "{}", stderr(&demo));
    assert!(
        stdout(&demo).contains("300 packages created"),
        "{}",
        stdout(&demo)
    );
    assert_eq!(stderr(&demo), "", "one-shot commands are quiet");

    let check = bidtrack(&db.url, &["check", "--unit", "HN-HADONG", "--year", "2019"]);
    assert!(check.status.success(), "{}", stderr(&check));
    let out = stdout(&check);
    assert!(
        out.starts_with("Quận Hà Đông (HN-HADONG), 2019, view: plan"),
        "{out}"
    );
    assert_eq!(
        row(&out, "count"),
        ["count", "8", "4", "50.00%", "50%", "met", "0"]
    );

    let ubnd = bidtrack::db::units::find_by_code(&db.conn, "HN-HADONG-UBND")
        .await
        .expect("query")
        .expect("unit");
    create_package(
        &db.conn,
        new_package(
            ubnd.id,
            "Thêm một gói chào hàng cạnh tranh",
            Method::CompetitiveOffers,
            Field::Goods,
            400_000_000,
            false,
        ),
    )
    .await
    .expect("create");
    let check = bidtrack(&db.url, &["check", "--unit", "HN-HADONG", "--year", "2019"]);
    assert_eq!(
        row(&stdout(&check), "count"),
        ["count", "9", "4", "44.44%", "50%", "not met", "1"]
    );

    let json = bidtrack(
        &db.url,
        &["check", "--unit", "HN-HADONG", "--year", "2019", "--json"],
    );
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(
        (v["in_scope"].as_i64(), v["online"].as_i64()),
        (Some(9), Some(4))
    );
    assert_eq!(v["share_percent"], "44.44");
    assert_eq!(v["met"], false);
    assert_eq!(v["shortfall"], 1);
    assert_eq!(v["rule"]["code"], "nq01_2019");
});

db_test!(bad_input_gets_one_line, |db: TestDb| async move {
    assert_one_line_error(
        &bidtrack(&db.url, &["check", "--unit", "NOWHERE", "--year", "2019"]),
        "no unit with code `NOWHERE`",
    );
    bidtrack(&db.url, &["demo"]);
    assert_one_line_error(
        &bidtrack(&db.url, &["check", "--unit", "HN", "--year", "1800"]),
        "year",
    );
    assert_one_line_error(
        &bidtrack(&db.url, &["check", "--unit", "HN", "--year", "2020"]),
        "no target rule applies to 2020",
    );
});

#[test]
fn unreachable_databases_get_one_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = format!(
        "sqlite://{}/no/such/dir/x.db?mode=rwc",
        dir.path().display()
    );
    assert_one_line_error(
        &bidtrack(&missing, &["migrate"]),
        "cannot open the database",
    );
    // Port 1 on loopback: nothing listens, the connection is refused.
    let o = bidtrack(
        "postgres://nobody:secret@127.0.0.1:1/bidtrack",
        &["check", "--unit", "HN", "--year", "2019"],
    );
    assert_one_line_error(
        &o,
        "cannot open the database postgres://nobody:***@127.0.0.1:1/bidtrack",
    );
    assert!(!stderr(&o).contains("secret"));
    assert_one_line_error(
        &bidtrack("mysql://x@127.0.0.1/db", &["migrate"]),
        "cannot open the database",
    );
}

#[test]
fn migrate_creates_the_sqlite_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("fresh.db");
    let o = bidtrack(
        &format!("sqlite://{}?mode=rwc", path.display()),
        &["migrate"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(path.exists());
}
