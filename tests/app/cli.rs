//! The `bidtrack` binary end to end: the promised demo → check session, and one-line errors with
//! a non-zero exit for bad input.

use crate::db_test;
use crate::support::*;
use bidtrack::services::accounts::Actor;
use bidtrack::services::packages::create as create_package;
use entity::{Field, Method};
use std::process::{Command, Output};

pub(crate) fn bidtrack(database_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bidtrack"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env_remove("RUST_LOG")
        .output()
        .expect("run bidtrack")
}

pub(crate) fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub(crate) fn stderr(o: &Output) -> String {
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
        stdout(&demo).contains("748 packages created"),
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
        &Actor::system(),
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
    let t = &v["targets"][0];
    assert_eq!(
        (t["in_scope"].as_i64(), t["online"].as_i64()),
        (Some(9), Some(4))
    );
    assert_eq!(t["share_percent"], "44.44");
    assert_eq!(t["met"], false);
    assert_eq!(t["shortfall"], 1);
    assert_eq!(t["rule"]["code"], "nq01_2019");

    // A year without a rule: the figures, and no verdict.
    let none = bidtrack(&db.url, &["check", "--unit", "HN", "--year", "2022"]);
    assert!(none.status.success(), "{}", stderr(&none));
    let out = stdout(&none);
    assert!(out.contains("packages counted: 71"), "{out}");
    assert!(out.contains("Chưa có chỉ tiêu cho năm 2022"), "{out}");
    assert!(!out.contains("target:"), "{out}");
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

#[test]
fn malformed_arguments_get_one_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/x.db?mode=rwc", dir.path().display());
    for (args, contains) in [
        (&["check", "--unit", "HN", "--year", "abc"][..], "--year"),
        (&["check", "--unit", "HN"][..], "--year <YEAR>"),
        (
            &["check", "--unit", "HN", "--year", "2019", "--view", "month"][..],
            "unknown view `month`",
        ),
        (&["frobnicate"][..], "frobnicate"),
    ] {
        let o = bidtrack(&url, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert_one_line_error(&o, contains);
    }
    let help = bidtrack(&url, &["--help"]);
    assert!(help.status.success() && stdout(&help).contains("check"));
}

/// `cargo run --release` with no arguments: serves on the embedded default, creating
/// `bidtrack.db` in the working directory, and stops cleanly on SIGTERM.
#[test]
fn serve_is_the_default_and_stops_on_sigterm() {
    use std::io::{BufRead, BufReader, Read, Write};
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_bidtrack"))
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env("BIDTRACK_BIND", "127.0.0.1:0")
        .env("RUST_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let address = loop {
        let line = lines
            .next()
            .expect("server printed its address")
            .expect("read line");
        if let Some(rest) = line.split("address=").nth(1) {
            break rest.split_whitespace().next().expect("address").to_owned();
        }
    };
    assert!(
        dir.path().join("bidtrack.db").exists(),
        "the SQLite file is created on first run"
    );

    let mut stream = std::net::TcpStream::connect(&address).expect("connect");
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with(r#"{"status":"ok"}"#), "{response}");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = child.wait().expect("wait");
    assert!(status.success(), "graceful shutdown exits 0: {status:?}");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(rest.iter().any(|l| l.contains("shutting down")), "{rest:?}");
    assert!(rest.iter().any(|l| l.contains("stopped")), "{rest:?}");
}

/// `BIDTRACK_LOG_FORMAT=json`: one JSON object per line, and a request's lines carry its id.
#[test]
fn json_logs_carry_the_request_id() {
    use std::io::{BufRead, BufReader, Read, Write};
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_bidtrack"))
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env("BIDTRACK_BIND", "127.0.0.1:0")
        .env("BIDTRACK_LOG_FORMAT", "json")
        .env("RUST_LOG", "info,tower_http=debug")
        .env("BIDTRACK_ADMIN_PASSWORD", "correct horse battery")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let mut seen = Vec::new();
    let address = loop {
        let line = lines.next().expect("a log line").expect("read line");
        seen.push(line.clone());
        let Ok(entry) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue; // the first-start notice is for a person, on its own line
        };
        if let Some(a) = entry["fields"]["address"].as_str() {
            break a.to_owned();
        }
    };
    let mut stream = std::net::TcpStream::connect(&address).expect("connect");
    stream
        .write_all(
            b"GET /api/v1/units HTTP/1.1\r\nHost: localhost\r\nX-Request-Id: json-log-1\r\nConnection: close\r\n\r\n",
        )
        .expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    assert!(response.starts_with("HTTP/1.1 401"), "{response}");
    assert!(
        response
            .to_ascii_lowercase()
            .contains("x-request-id: json-log-1"),
        "{response}"
    );
    assert!(
        response.contains(r#""request_id":"json-log-1""#),
        "{response}"
    );
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    assert!(child.wait().expect("wait").success());
    seen.extend(lines.map_while(Result::ok));
    let entries: Vec<serde_json::Value> = seen
        .iter()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(entries.len() >= 3, "{seen:?}");
    assert!(
        entries
            .iter()
            .any(|e| e["span"]["request_id"] == "json-log-1" && e["level"] == "DEBUG"),
        "{seen:#?}"
    );
}

db_test!(
    report_files_from_the_command_line,
    |db: TestDb| async move {
        bidtrack(&db.url, &["demo"]);
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("hd.xlsx");
        let o = bidtrack(
            &db.url,
            &[
                "report",
                "compliance",
                "--unit",
                "HN-HADONG",
                "--year",
                "2019",
                "--format",
                "xlsx",
                "-o",
                out.to_str().expect("path"),
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let bytes = std::fs::read(&out).expect("the file");
        assert_eq!(&bytes[..2], b"PK", "an XLSX (zip) file");
        let o = bidtrack(
            &db.url,
            &[
                "report", "summary", "--unit", "HN", "--year", "2019", "--money", "million",
                "--format", "csv", "-o", "-",
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let csv = stdout(&o);
        assert!(
            csv.starts_with('\u{feff}')
                && csv.contains("(triệu đồng)")
                && csv.contains("Tổng cộng"),
            "{csv}"
        );
        // The official annual report, the city's first half, as JSON on stdout.
        let o = bidtrack(
            &db.url,
            &[
                "report", "annual", "--unit", "HN", "--year", "2019", "--period", "half",
                "--format", "json", "-o", "-",
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let annual: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
        assert_eq!(annual["period"], "half");
        assert_eq!(annual["tables"].as_array().map(Vec::len), Some(2));
        let o = bidtrack(
            &db.url,
            &[
                "report", "annual", "--unit", "HN", "--year", "2019", "--period", "quarter",
            ],
        );
        assert!(!o.status.success());
        assert!(stderr(&o).contains("quarter"), "{}", stderr(&o));
        let o = bidtrack(
            &db.url,
            &[
                "report",
                "packages",
                "--unit",
                "HN-HADONG",
                "--year",
                "2019",
                "--format",
                "csv",
                "-o",
                "-",
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(
            stdout(&o).lines().count(),
            11,
            "header and Hà Đông's ten packages"
        );
        let list = dir.path().join("list.xlsx");
        let o = bidtrack(
            &db.url,
            &[
                "report",
                "packages",
                "--unit",
                "HN",
                "--format",
                "xlsx",
                "-o",
                list.to_str().expect("path"),
            ],
        );
        assert!(
            o.status.success() && stdout(&o).contains("748 packages"),
            "{}",
            stdout(&o)
        );
        assert_one_line_error(
            &bidtrack(&db.url, &["report", "summary", "--unit", "HN"]),
            "--year is required",
        );
        assert_one_line_error(
            &bidtrack(
                &db.url,
                &[
                    "report", "summary", "--unit", "HN", "--year", "2019", "--format", "pdf",
                ],
            ),
            "unknown format `pdf`",
        );
    }
);

db_test!(
    users_and_tokens_from_the_command_line,
    |db: TestDb| async move {
        let with_password = |args: &[&str], password: &str| {
            Command::new(env!("CARGO_BIN_EXE_bidtrack"))
                .args(args)
                .env("DATABASE_URL", &db.url)
                .env("BIDTRACK_PASSWORD", password)
                .env_remove("RUST_LOG")
                .output()
                .expect("run bidtrack")
        };
        let add = with_password(
            &[
                "user",
                "add",
                "ke-toan",
                "--role",
                "finance",
                "--name",
                "Kế toán",
            ],
            "mat-khau-ke-toan",
        );
        assert!(add.status.success(), "{}", stderr(&add));
        assert_eq!(stdout(&add), "user ke-toan added (Phòng Tài chính)\n");
        assert_one_line_error(
            &with_password(&["user", "add", "ngan", "--role", "viewer"], "ngan"),
            "Mật khẩu cần ít nhất 10 ký tự",
        );
        assert_one_line_error(
            &with_password(
                &["user", "add", "cb", "--role", "officer"],
                "mat-khau-can-bo",
            ),
            "Cán bộ phụ trách đấu thầu phải thuộc một đơn vị",
        );
        assert_one_line_error(
            &with_password(&["user", "add", "x", "--role", "king"], "mat-khau-can-bo"),
            "king",
        );

        let token = bidtrack(
            &db.url,
            &["token", "create", "--user", "ke-toan", "--days", "7"],
        );
        assert!(token.status.success(), "{}", stderr(&token));
        let secret = stdout(&token).trim().to_owned();
        assert!(secret.starts_with("bt_"), "{secret}");
        let now = chrono::Utc::now();
        let (actor, _) = bidtrack::services::accounts::authenticate_token(&db.conn, &secret, now)
            .await
            .expect("query")
            .expect("a live token");
        assert_eq!(actor.username, "ke-toan");

        let list = bidtrack(&db.url, &["user", "list"]);
        assert_eq!(stdout(&list), "ke-toan\tfinance\tactive\tKế toán\n");
        let disable = bidtrack(&db.url, &["user", "disable", "ke-toan"]);
        assert!(disable.status.success(), "{}", stderr(&disable));
        assert!(
            bidtrack::services::accounts::authenticate_token(&db.conn, &secret, now)
                .await
                .expect("query")
                .is_none(),
            "a disabled user's token ends"
        );
        assert_one_line_error(
            &bidtrack(&db.url, &["token", "create", "--user", "ke-toan"]),
            "disabled",
        );
        assert_one_line_error(
            &bidtrack(&db.url, &["token", "create", "--user", "nobody"]),
            "no user nobody",
        );
    }
);

db_test!(
    first_start_creates_the_administrator,
    |db: TestDb| async move {
        use std::io::{BufRead, BufReader};
        let mut server = Command::new(env!("CARGO_BIN_EXE_bidtrack"))
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env("DATABASE_URL", &db.url)
            .env_remove("BIDTRACK_ADMIN_PASSWORD")
            .env_remove("RUST_LOG")
            .stderr(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("start bidtrack");
        let stderr = server.stderr.take().expect("stderr");
        let mut password = None;
        for line in BufReader::new(stderr).lines() {
            let line = line.expect("line");
            if let Some(rest) = line.split("created with password ").nth(1) {
                password = Some(rest.trim().to_owned());
            }
            if line.contains("bidtrack listening") {
                break;
            }
        }
        server.kill().expect("stop");
        server.wait().expect("wait");
        let password = password.expect("the password is printed once");
        assert_eq!(password.len(), 20);
        let admin = bidtrack::services::accounts::login(
            &db.conn,
            &bidtrack::services::accounts::PasswordChecks::new(1),
            "admin",
            &password,
            chrono::Utc::now(),
        )
        .await
        .expect("the printed password works");
        assert_eq!(admin.role, entity::Role::Admin);
    }
);

/// `bidtrack backup` while the server runs, then `bidtrack restore` after a change: the figures
/// are the backup's again, and the database that was replaced is kept.
#[test]
fn backup_while_serving_and_restore() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().expect("temp dir");
    let live = dir.path().join("live.db");
    let url = format!("sqlite://{}?mode=rwc", live.display());
    assert!(bidtrack(&url, &["demo"]).status.success());
    let check = |url: &str| {
        stdout(&bidtrack(
            url,
            &["check", "--unit", "HN-HADONG", "--year", "2019"],
        ))
    };
    let before = check(&url);

    let mut server = Command::new(env!("CARGO_BIN_EXE_bidtrack"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("DATABASE_URL", &url)
        .env("RUST_LOG", "info")
        .env("BIDTRACK_ADMIN_PASSWORD", "correct horse battery")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start bidtrack");
    let mut lines = BufReader::new(server.stderr.take().expect("stderr")).lines();
    while !lines
        .next()
        .expect("server output")
        .expect("line")
        .contains("bidtrack listening")
    {}
    let copy = dir.path().join("copy.db");
    let o = bidtrack(&url, &["backup", copy.to_str().expect("path")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("748 packages, integrity ok"),
        "{}",
        stdout(&o)
    );
    assert_one_line_error(
        &bidtrack(&url, &["backup", copy.to_str().expect("path")]),
        "exists already",
    );
    server.kill().expect("stop");
    server.wait().expect("wait");

    // A change after the backup: one more online competitive offer for the district.
    let file = dir.path().join("more.csv");
    std::fs::write(
        &file,
        "Mã đơn vị,Tên gói thầu,Năm kế hoạch,Lĩnh vực,Hình thức lựa chọn nhà thầu,Giá gói thầu,Qua mạng\n\
         HN-HADONG,Gói sau sao lưu,2019,HH,CHCT,900.000.000,Có\n",
    )
    .expect("write csv");
    let o = bidtrack(&url, &["import", file.to_str().expect("path")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_ne!(check(&url), before, "the import changes the figures");

    let o = bidtrack(&url, &["restore", copy.to_str().expect("path")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(check(&url), before, "the backup's figures are back");
    let kept: Vec<String> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| {
            n.starts_with("live.db.before-restore-") && !n.ends_with("-wal") && !n.ends_with("-shm")
        })
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    let replaced = format!("sqlite://{}?mode=rwc", dir.path().join(&kept[0]).display());
    assert_ne!(
        check(&replaced),
        before,
        "the replaced database, change included, is kept"
    );

    // What is not a backup is refused, and nothing is replaced.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, "not a database").expect("write");
    assert_one_line_error(
        &bidtrack(&url, &["restore", junk.to_str().expect("path")]),
        "cannot open",
    );
    assert_eq!(check(&url), before);
}

db_test!(
    backups_of_postgresql_point_to_its_tools,
    |db: TestDb| async move {
        if db.engine_name() != "postgres" {
            return;
        }
        assert_one_line_error(&bidtrack(&db.url, &["backup", "/tmp/never.db"]), "pg_dump");
        assert_one_line_error(
            &bidtrack(&db.url, &["restore", "/tmp/never.db"]),
            "pg_restore",
        );
    }
);
