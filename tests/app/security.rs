//! Hostile input (issue 16): files that claim more than they hold, uploads by users who may not
//! import, imports that reach into other units' packages, and an OCDS package too large to scan
//! quadratically. Each test failed on the code before the fix.

use crate::client::{Client, Response};
use crate::db_test;
use crate::support::*;
use entity::{Role, UnitKind};
use serde_json::Value;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

const IMPORT: &str = "/api/v1/imports/packages";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// HN with two districts: HN-HD (the officer's) and HN-HK (someone else's).
async fn units(db: &TestDb) -> (i64, i64, i64) {
    let hn = add_unit(&db.conn, "HN", UnitKind::Province, None).await;
    let hd = add_unit(&db.conn, "HN-HD", UnitKind::District, Some(hn.id)).await;
    let hk = add_unit(&db.conn, "HN-HK", UnitKind::District, Some(hn.id)).await;
    (hn.id, hd.id, hk.id)
}

/// A workbook of these rows (strings), as rust_xlsxwriter writes it.
fn workbook(rows: &[&[&str]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            sheet
                .write_string(r as u32, c as u16, *value)
                .expect("cell");
        }
    }
    book.save_to_buffer().expect("xlsx")
}

/// The same workbook with one part replaced.
fn with_part(xlsx: &[u8], name: &str, content: &[u8]) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).expect("zip");
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).expect("part");
        let part_name = part.name().expect("name").to_string();
        let mut bytes = Vec::new();
        part.read_to_end(&mut bytes).expect("read");
        out.start_file(part_name.as_str(), options).expect("start");
        if part_name == name {
            out.write_all(content).expect("write");
        } else {
            out.write_all(&bytes).expect("write");
        }
    }
    out.finish().expect("finish").into_inner()
}

/// Asks `/healthz` until `work` is done; answers how many times it answered while `work` was
/// still running and the slowest answer.
async fn health_during<T: Send + 'static>(
    client: &Client,
    work: tokio::task::JoinHandle<T>,
) -> (T, usize, Duration) {
    let (mut during, mut slowest) = (0, Duration::ZERO);
    while !work.is_finished() {
        let start = Instant::now();
        let r = client.get("/healthz").await;
        assert_eq!(r.status, 200);
        slowest = slowest.max(start.elapsed());
        if !work.is_finished() {
            during += 1;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    (work.await.expect("work"), during, slowest)
}

db_test!(
    hostile_workbooks_are_refused_before_they_cost_memory,
    |db: TestDb| async move {
        let (_, hd, _) = units(&db).await;
        let viewer = Client::as_role(&db, Role::Viewer, None);
        let officer = Client::as_role(&db, Role::Officer, Some(hd));
        // Cells in A1 and XFD1048576: the sheet's rectangle is 17 billion cells.
        let corner = {
            let mut book = rust_xlsxwriter::Workbook::new();
            let sheet = book.add_worksheet();
            sheet.write_string(0, 0, "Tên gói thầu").expect("a1");
            sheet.write_string(1_048_575, 16_383, "x").expect("corner");
            book.save_to_buffer().expect("xlsx")
        };
        assert!(corner.len() < 10_000, "{} bytes", corner.len());
        viewer
            .post_bytes(IMPORT, XLSX, corner.clone())
            .await
            .problem(403, "forbidden");
        let p = officer
            .post_bytes(IMPORT, XLSX, corner.clone())
            .await
            .problem(422, "file_over_limits");
        assert!(
            p["detail"].as_str().is_some_and(|d| d.contains("200 cột")),
            "{p}"
        );

        // Ten million shared strings declared, three present.
        let base = workbook(&[&["Tên gói thầu", "a"], &["b", "c"]]);
        let declared = with_part(
            &base,
            "xl/sharedStrings.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="10000000" uniqueCount="10000000"><si><t>Tên gói thầu</t></si><si><t>a</t></si><si><t>b</t></si><si><t>c</t></si></sst>"#.as_bytes(),
        );
        let p = officer
            .post_bytes(IMPORT, XLSX, declared)
            .await
            .problem(422, "file_over_limits");
        assert!(
            p["detail"]
                .as_str()
                .is_some_and(|d| d.contains("2000000 chuỗi")),
            "{p}"
        );
        // Two million and one empty shared strings, none declared.
        let mut strings =
            br#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#.to_vec();
        strings.extend(std::iter::repeat_n(&b"<si/>"[..], 2_000_001).flatten());
        strings.extend(b"</sst>");
        let counted = with_part(&base, "xl/sharedStrings.xml", &strings);
        assert!(counted.len() < 200_000, "{} bytes", counted.len());
        officer
            .post_bytes(IMPORT, XLSX, counted.clone())
            .await
            .problem(422, "file_over_limits");
        viewer
            .post_bytes(IMPORT, XLSX, counted)
            .await
            .problem(403, "forbidden");

        // A part that inflates past the bound (a zip bomb) is measured, not kept.
        let small = Client::as_role(&db, Role::Officer, Some(hd)).with_import_bounds(
            bidtrack::import::Bounds {
                unzipped_bytes: 1024 * 1024,
                ..Default::default()
            },
        );
        let bomb = with_part(&base, "xl/styles.xml", &vec![b' '; 4 * 1024 * 1024]);
        assert!(bomb.len() < 100_000, "{} bytes", bomb.len());
        small
            .post_bytes(IMPORT, XLSX, bomb)
            .await
            .problem(422, "file_over_limits");

        // The same files on the page: refused, and the page says why.
        let page = officer.get("/import").await;
        assert_eq!(page.status, 200);
        let r = officer
            .post_bytes(
                "/import",
                "multipart/form-data; boundary=X",
                multipart(&page.csrf(), "goi-thau.xlsx", &corner),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.text);
        assert!(r.text.contains("200 cột"), "{}", r.text);

        // And the server is still there.
        assert_eq!(viewer.get("/healthz").await.status, 200);
    }
);

db_test!(
    csv_bounds_and_a_viewer_never_gets_the_file_read,
    |db: TestDb| async move {
        let (_, hd, _) = units(&db).await;
        // A 48 MB line of commas: one record of 48 million empty fields.
        let commas = vec![b','; 48 * 1024 * 1024];
        Client::as_role(&db, Role::Viewer, None)
            .post_bytes(IMPORT, "text/csv", commas.clone())
            .await
            .problem(403, "forbidden");
        let officer = Client::as_role(&db, Role::Officer, Some(hd));
        // Blank: no header at all (and read without keeping 48 million cells).
        officer
            .post_bytes(IMPORT, "text/csv", commas)
            .await
            .problem(422, "empty_file");
        let mut wide = b"Ten goi thau".to_vec();
        wide.extend(std::iter::repeat_n(&b",x"[..], 300).flatten());
        let p = officer
            .post_bytes(IMPORT, "text/csv", wide)
            .await
            .problem(422, "file_over_limits");
        assert!(
            p["detail"].as_str().is_some_and(|d| d.contains("200 cột")),
            "{p}"
        );
        let mut long = b"Ten goi thau,Gia goi thau\n".to_vec();
        long.extend(vec![b'a'; 100_000]);
        long.extend(b",1\n");
        officer
            .post_bytes(IMPORT, "text/csv", long)
            .await
            .problem(422, "file_over_limits");
    }
);

fn multipart(csrf: &str, filename: &str, file: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--X\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --X\r\nContent-Disposition: form-data; name=\"unit\"\r\n\r\n\r\n\
         --X\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend(file);
    body.extend(b"\r\n--X--\r\n");
    body
}

/// The other district's awarded package, as the API shows it.
async fn other_units_package(admin: &Client, hk: i64) -> Value {
    admin
        .package(serde_json::json!({
            "unit_id": hk, "name": "Mua bàn ghế", "code": "IB1900000099", "plan_year": 2019,
            "field": "goods", "method": "open_bidding", "package_price_vnd": 2_000_000_000i64,
            "online": true, "status": "awarded", "result_date": "2019-06-30",
            "winning_price_vnd": 1_900_000_000i64, "contractor_name": "Công ty A",
            "award_decision_no": "12/QĐ-UBND"
        }))
        .await
}

fn assert_unchanged(before: &Value, after: &Response) {
    assert_eq!(after.status, 200, "{}", after.text);
    let after = after.json();
    for field in [
        "unit_id",
        "name",
        "status",
        "winning_price_vnd",
        "contractor_name",
        "version",
    ] {
        assert_eq!(after[field], before[field], "{field}: {after}");
    }
}

db_test!(
    an_officer_cannot_take_over_another_units_package_by_import,
    |db: TestDb| async move {
        let (_, hd, hk) = units(&db).await;
        let admin = Client::new(&db);
        let before = other_units_package(&admin, hk).await;
        let uri = format!("/api/v1/packages/{}", before["id"]);
        let officer = Client::as_role(&db, Role::Officer, Some(hd));

        // CSV: the officer's own unit code, the other unit's notice code.
        let csv = "Mã đơn vị,Tên gói thầu,Số TBMT,Năm kế hoạch,Lĩnh vực,Hình thức lựa chọn nhà thầu,Giá gói thầu,Qua mạng\n\
                   HN-HD,Mua bàn ghế,IB1900000099,2019,HH,DTRR,2.000.000.000,Có\n";
        let r = officer
            .post_bytes(IMPORT, "text/csv", csv.as_bytes().to_vec())
            .await;
        let p = r.problem(422, "import_rejected");
        let errors = p["report"]["errors"].as_array().expect("errors");
        assert_eq!(errors.len(), 1, "{p}");
        assert_eq!(errors[0]["row"], 2);
        assert_eq!(errors[0]["column"], "Số TBMT");
        assert!(
            errors[0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("IB1900000099") && m.contains("HN-HK")),
            "{p}"
        );
        assert_unchanged(&before, &admin.get(&uri).await);

        // The same in a workbook, and through the page.
        let rows: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
        let rows: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
        let xlsx = workbook(&rows);
        officer
            .post_bytes(IMPORT, XLSX, xlsx.clone())
            .await
            .problem(422, "import_rejected");
        let page = officer.get("/import").await;
        let r = officer
            .post_bytes(
                "/import",
                "multipart/form-data; boundary=X",
                multipart(&page.csrf(), "goi-thau.xlsx", &xlsx),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.text);
        assert!(r.text.contains("bạn không có quyền sửa"), "{}", r.text);
        assert_unchanged(&before, &admin.get(&uri).await);

        // OCDS: the other unit's export with the officer's unit as buyer.
        let mut export = admin
            .get(&format!(
                "/api/v1/ocds/release-package?unit_id={hk}&year=2019"
            ))
            .await
            .json();
        for release in export["releases"].as_array_mut().expect("releases") {
            release["buyer"] = serde_json::json!({"id": "HN-HD", "name": "Đơn vị HN-HD"});
        }
        let p = officer
            .post_bytes(
                "/api/v1/imports/ocds",
                "application/json",
                export.to_string().into_bytes(),
            )
            .await
            .problem(422, "import_rejected");
        assert!(p.to_string().contains("HN-HK"), "{p}");
        assert_unchanged(&before, &admin.get(&uri).await);

        // An officer of the package's own unit may update it (codes as typed, in lower case:
        // they are normalised as the API normalises them), and the columns the file does not
        // carry (the award) stay.
        let own = Client::as_role(&db, Role::Officer, Some(hk));
        let csv = "Mã đơn vị,Tên gói thầu,Số TBMT,Năm kế hoạch,Lĩnh vực,Hình thức lựa chọn nhà thầu,Giá gói thầu,Qua mạng\n\
                   hn-hk,Mua bàn ghế,ib1900000099,2019,HH,DTRR,2.100.000.000,Có\n";
        let r = own
            .post_bytes(IMPORT, "text/csv", csv.as_bytes().to_vec())
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json()["updated"], 1);
        let after = admin.get(&uri).await.json();
        assert_eq!(after["package_price_vnd"], 2_100_000_000i64);
        assert_eq!(
            (
                &after["status"],
                &after["winning_price_vnd"],
                &after["contractor_name"],
                &after["result_date"]
            ),
            (
                &before["status"],
                &before["winning_price_vnd"],
                &before["contractor_name"],
                &before["result_date"]
            ),
            "{after}"
        );
    }
);

/// An OCDS release package of `n` planned packages of `unit`, about 400 bytes a release.
fn ocds_package(unit: &str, n: usize) -> Vec<u8> {
    let mut out = br#"{"uri":"x","version":"1.1","publishedDate":"2019-01-01T00:00:00+07:00","publisher":{"name":"t"},"releases":["#.to_vec();
    for i in 0..n {
        if i > 0 {
            out.push(b',');
        }
        write!(
            out,
            r#"{{"ocid":"ocds-t-IB19{i:08}","id":"r{i}","date":"2019-03-01T00:00:00+07:00","tag":["tender"],"initiationType":"tender","buyer":{{"id":"{unit}","name":"x"}},"tender":{{"id":"IB19{i:08}","title":"Gói {i}","status":"planned","mainProcurementCategory":"goods","procurementMethod":"open","procurementMethodDetails":"competitive_offers","submissionMethod":["electronicSubmission"],"value":{{"amount":500000000,"currency":"VND"}},"tenderPeriod":{{"startDate":"2019-03-01T00:00:00+07:00"}}}}}}"#
        )
        .expect("write");
    }
    out.extend(b"]}");
    out
}

db_test!(
    a_large_ocds_package_is_read_in_linear_time_without_starving_the_server,
    |db: TestDb| async move {
        units(&db).await;
        const OCIDS: usize = 200_000;
        let body = ocds_package("HN-HD", OCIDS);
        // Over the default 50 MB limit: a viewer's 403 comes before the body is read at all.
        assert!(body.len() > 50 * 1024 * 1024, "{} bytes", body.len());
        Client::as_role(&db, Role::Viewer, None)
            .post_bytes("/api/v1/imports/ocds", "application/json", body.clone())
            .await
            .problem(403, "forbidden");

        let admin = std::sync::Arc::new(Client::with_import_limit(&db, 200 * 1024 * 1024));
        let started = Instant::now();
        let work = {
            let admin = admin.clone();
            tokio::spawn(async move {
                admin
                    .post_bytes(
                        "/api/v1/imports/ocds?dry_run=true",
                        "application/json",
                        body,
                    )
                    .await
            })
        };
        let (r, answered, slowest) = health_during(&admin, work).await;
        assert_eq!(r.status, 200, "{}", &r.text[..r.text.len().min(2000)]);
        let report = r.json();
        assert_eq!(report["rows"], OCIDS);
        assert_eq!(report["created"], OCIDS);
        assert_eq!(report["dry_run"], true);
        let _ = std::io::stderr().write_all(
            format!(
                "OCDS dry run of {OCIDS} ocids: {:.1} s; /healthz answered {answered} times meanwhile, slowest {} ms\n",
                started.elapsed().as_secs_f64(),
                slowest.as_millis()
            )
            .as_bytes(),
        );
        // The health check is served throughout; before, it waited for the whole scan (43 s).
        assert!(answered > 0, "no health answer while the import ran");
        assert!(slowest < Duration::from_secs(1), "{slowest:?}");
    }
);

db_test!(
    sums_past_64_bits_keep_every_report_answering,
    |db: TestDb| async move {
        let (hn, _, _) = units(&db).await;
        // Ten thousand competitive offers (in scope at any price) at the ceiling, 10^15 đồng:
        // 10^19 in all, past i64 (9.2·10^18). Before, every figure of the city answered 500.
        const N: usize = 10_000;
        let mut csv = "Mã đơn vị,Tên gói thầu,Năm kế hoạch,Lĩnh vực,Hình thức lựa chọn nhà thầu,Giá gói thầu,Qua mạng\n".to_owned();
        for i in 0..N {
            csv.push_str(&format!("HN-HD,Gói {i},2019,HH,CHCT,1000000000000000,Có\n"));
        }
        let admin = Client::new(&db);
        let r = admin.post_bytes(IMPORT, "text/csv", csv.into_bytes()).await;
        assert_eq!(r.status, 200, "{}", &r.text[..r.text.len().min(2000)]);
        let r = admin
            .get(&format!("/api/v1/compliance?unit_id={hn}&year=2019"))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        // Read as text: the figure is exact, past what a JSON reader's i64 holds.
        assert!(
            r.text
                .contains(r#""value_in_scope_vnd":10000000000000000000,"#),
            "{}",
            r.text
        );
        assert_eq!(r.json()["targets"][0]["value_share_percent"], "100.00");
        assert!(
            r.text.contains(r#""value_vnd":10000000000000000000,"#),
            "the figures without a target sum past 64 bits too"
        );
        for uri in [
            format!("/api/v1/reports/summary?unit_id={hn}&year=2019"),
            format!("/api/v1/reports/compliance?unit_id={hn}&year=2019&format=csv"),
            format!("/api/v1/reports/summary?unit_id={hn}&year=2019&format=xlsx"),
            format!("/?unit_id={hn}&year=2019"),
        ] {
            let r = admin.get(&uri).await;
            assert_eq!(r.status, 200, "{uri}: {}", &r.text[..r.text.len().min(500)]);
        }
        let summary = admin
            .get(&format!(
                "/api/v1/reports/summary?unit_id={hn}&year=2019&format=csv"
            ))
            .await;
        assert!(
            summary.text.contains("10000000000000000000"),
            "{}",
            summary.text
        );
        // The annual report's aggregate takes its split statement too: the packages (none has a
        // plan, so none has a project) are in its reconciliation, exact.
        let annual = admin
            .get(&format!("/api/v1/reports/annual?unit_id={hn}&year=2019"))
            .await;
        assert_eq!(
            annual.status,
            200,
            "{}",
            &annual.text[..annual.text.len().min(500)]
        );
        assert!(
            annual
                .text
                .contains(r#""package_price_vnd": 10000000000000000000"#),
            "{}",
            &annual.text[..annual.text.len().min(2000)]
        );
    }
);
