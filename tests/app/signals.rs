//! The server process under signals. SIGKILL while it writes a large import: after the restart
//! either every row of the file is there or none is, and the database is sound (`PRAGMA
//! integrity_check` on SQLite; on PostgreSQL the open transaction was rolled back). SIGTERM with
//! a request in flight: the listener closes, the request finishes and commits, the process
//! exits 0.

use crate::db_test;
use crate::support::*;
use bidtrack::seed::generate;
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, Statement};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ROWS: usize = 20_000;

pub fn start_server(url: &str) -> (Child, String) {
    let mut server = Command::new(env!("CARGO_BIN_EXE_bidtrack"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "info")
        .env("BIDTRACK_ADMIN_PASSWORD", "correct horse battery")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("start bidtrack");
    let mut lines = BufReader::new(server.stderr.take().expect("stderr")).lines();
    let address = loop {
        let line = lines.next().expect("server output").expect("line");
        if let Some(rest) = line.split("address=").nth(1) {
            break rest.split_whitespace().next().expect("address").to_owned();
        }
    };
    // Keep reading, so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines.map_while(Result::ok) {});
    (server, address)
}

pub fn token(url: &str) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_bidtrack"))
        .args(["token", "create", "--user", "admin", "--name", "crash"])
        .env("DATABASE_URL", url)
        .output()
        .expect("token");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout)
        .split_whitespace()
        .find(|w| w.starts_with("bt_"))
        .expect("a token in the output")
        .to_owned()
}

/// Is the import's write under way? SQLite: over a megabyte of uncommitted pages has spilled
/// into the WAL (emptied before the upload). PostgreSQL: a transaction is inserting packages.
async fn writing(db: &TestDb, wal: Option<&std::path::Path>) -> bool {
    match wal {
        Some(wal) => std::fs::metadata(wal).is_ok_and(|m| m.len() > 1024 * 1024),
        None => {
            let row = db
                .conn
                .query_one_raw(Statement::from_string(
                    db.conn.get_database_backend(),
                    // Between statements the session is 'idle in transaction' and shows the last
                    // one: an INSERT of packages in a transaction that has written (an xid).
                    "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
                     AND backend_xid IS NOT NULL AND query LIKE 'INSERT INTO packages%'",
                ))
                .await
                .expect("pg_stat_activity")
                .expect("row");
            row.try_get_by_index::<i64>(0).expect("count") > 0
        }
    }
}

db_test!(
    a_server_killed_mid_import_keeps_all_or_nothing,
    |db: TestDb| async move {
        generate::generate(
            &db.conn,
            generate::Spec {
                packages: 0,
                units: 60,
                seed: 3,
            },
        )
        .await
        .expect("units");
        let units: Vec<String> = entity::unit::Entity::find()
            .all(&db.conn)
            .await
            .expect("units")
            .into_iter()
            .map(|u| u.code)
            .collect();
        let mut csv = String::from(
            "Mã đơn vị,Tên gói thầu,Số TBMT,Năm kế hoạch,Lĩnh vực,Hình thức lựa chọn nhà thầu,Giá gói thầu,Qua mạng\n",
        );
        for i in 0..ROWS {
            let unit = &units[i % units.len()];
            csv.push_str(&format!(
                "{unit},Gói thầu {i} của {unit},IB22{i:08},2022,HH,DTRR,\"2.000.000.000\",Có\n"
            ));
        }
        let wal = db.url.strip_prefix("sqlite://").map(|rest| {
            std::path::PathBuf::from(format!("{}-wal", rest.split('?').next().unwrap_or(rest)))
        });

        let (mut server, address) = start_server(&db.url);
        let token = token(&db.url);
        if wal.is_some() {
            // Whatever was written so far leaves the WAL: from here only the import grows it.
            db.conn
                .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                .await
                .expect("checkpoint");
            let left = wal.as_deref().and_then(|w| std::fs::metadata(w).ok());
            assert!(left.is_none_or(|m| m.len() == 0), "the WAL was not emptied");
        }
        let upload = {
            let (address, csv) = (address.clone(), csv.clone());
            std::thread::spawn(move || {
                let mut stream = std::net::TcpStream::connect(&address).expect("connect");
                let head = format!(
                    "POST /api/v1/imports/packages HTTP/1.1\r\nHost: localhost\r\n\
                     Authorization: Bearer {token}\r\nContent-Type: text/csv\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n",
                    csv.len()
                );
                // The connection dies with the server; what it answers matters only when the
                // import ends before the kill (the failure message shows it).
                let mut answer = String::new();
                let _ = stream
                    .write_all(head.as_bytes())
                    .and_then(|()| stream.write_all(csv.as_bytes()))
                    .and_then(|()| std::io::Read::read_to_string(&mut stream, &mut answer));
                answer
            })
        };
        let started = Instant::now();
        while !writing(&db, wal.as_deref()).await {
            if upload.is_finished() || started.elapsed() > Duration::from_secs(120) {
                server.kill().expect("stop");
                let answer = upload.join().expect("upload thread");
                panic!("the import ended before its write was seen: {answer:.400}");
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        // Still nothing visible to others: the import is mid-transaction when it is killed.
        let before_kill = entity::package::Entity::find()
            .count(&db.conn)
            .await
            .expect("count");
        server.kill().expect("SIGKILL");
        server.wait().expect("wait");
        let _ = upload.join().expect("upload thread");
        assert_eq!(before_kill, 0, "the import had committed before the kill");
        eprintln!(
            "{}: killed {:?} after the upload began, the write under way",
            db.engine_name(),
            started.elapsed()
        );

        // Restarted, the server is ready, and the import is all there or not at all.
        let (mut server, address) = start_server(&db.url);
        let mut stream = std::net::TcpStream::connect(&address).expect("connect");
        stream
            .write_all(b"GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .expect("write");
        let mut answer = String::new();
        std::io::Read::read_to_string(&mut stream, &mut answer).expect("read");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        server.kill().expect("stop");
        server.wait().expect("wait");

        let stored = entity::package::Entity::find()
            .count(&db.conn)
            .await
            .expect("count");
        assert!(
            stored == 0 || stored == ROWS as u64,
            "{stored} of {ROWS} rows: a partial import"
        );
        eprintln!(
            "killed mid-import on {}: {stored} of {ROWS} rows after the restart",
            db.engine_name()
        );
        if wal.is_some() {
            let check = db
                .conn
                .query_all_raw(Statement::from_string(
                    db.conn.get_database_backend(),
                    "PRAGMA integrity_check",
                ))
                .await
                .expect("integrity_check");
            let findings: Vec<String> = check
                .iter()
                .map(|r| r.try_get_by_index::<String>(0).expect("text"))
                .collect();
            assert_eq!(findings, ["ok"]);
        }
    }
);

db_test!(
    sigterm_lets_a_request_in_flight_finish,
    |db: TestDb| async move {
        let unit = add_unit(&db.conn, "HN", entity::UnitKind::Province, None).await;
        let (mut server, address) = start_server(&db.url);
        let token = token(&db.url);
        // The request's write waits behind this transaction, so it is in flight for as long
        // as the test holds it.
        let blocker = bidtrack::db::begin_write(&db.conn).await.expect("begin");
        let body = package_body(unit.id, "Gói lúc dừng").to_string();
        let request = {
            let address = address.clone();
            std::thread::spawn(move || {
                let mut stream = std::net::TcpStream::connect(&address).expect("connect");
                let head = format!(
                    "POST /api/v1/packages HTTP/1.1\r\nHost: localhost\r\n\
                     Authorization: Bearer {token}\r\nContent-Type: application/json\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                stream.write_all(head.as_bytes()).expect("write");
                stream.write_all(body.as_bytes()).expect("write");
                let mut answer = String::new();
                std::io::Read::read_to_string(&mut stream, &mut answer).expect("read");
                answer
            })
        };
        tokio::time::sleep(Duration::from_millis(500)).await;
        let term = Command::new("kill")
            .args(["-TERM", &server.id().to_string()])
            .status()
            .expect("kill");
        assert!(term.success());
        tokio::time::sleep(Duration::from_millis(300)).await;
        // Stopping: no new connection is taken, and the process waits for the one in flight.
        assert!(
            std::net::TcpStream::connect(&address).is_err(),
            "the listener closes on SIGTERM"
        );
        assert!(
            server.try_wait().expect("status").is_none(),
            "exited with a request in flight"
        );
        sea_orm::TransactionSession::rollback(blocker)
            .await
            .expect("release");
        let answer = request.join().expect("request thread");
        assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
        let status = server.wait().expect("wait");
        assert!(status.success(), "{status:?}");
        let stored = entity::package::Entity::find()
            .count(&db.conn)
            .await
            .expect("count");
        assert_eq!(stored, 1, "the request that was let finish is committed");
    }
);
