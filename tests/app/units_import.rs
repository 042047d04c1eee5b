//! Loading a unit structure from a file (`bidtrack import-units`, `/units/import`): units and
//! their successions created from one file, the same file again changing nothing, a file with
//! errors (found while reading or only while writing) leaving nothing behind, the dry run, the
//! administrators-only rule checked before the file is read, the page driven from its form.

use crate::cli::{stderr, stdout};
use crate::client::{Client, Response};
use crate::db_test;
use crate::support::*;
use crate::web_forms::{attr, doc, texts};
use entity::{Role, unit, unit_succession};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use std::process::Output;

/// A city's reorganisation on 1 July 2025: district Một merged into the new ward An Khánh;
/// district Hai split between An Khánh and Bình Minh; a project board renamed. Rows are out of
/// tree order on purpose (a ward before its city), dates in both spellings, a kind written
/// as a label, one as a common name, one as its wire name, and one succession kind written out.
const STRUCTURE: &str = "\
Mã đơn vị,Tên đơn vị,Loại đơn vị,Mã đơn vị cấp trên,Hiệu lực từ ngày,Hiệu lực đến ngày,Mã đơn vị kế thừa,Loại kế thừa,Quyết định
HN-P-AK,Phường An Khánh,Phường / xã / thị trấn,HN,01/07/2025,,,,
HN-Q1,Quận Một,Quận,HN,,30/06/2025,HN-P-AK,,Nghị quyết 1656/NQ-UBTVQH15
HN-Q2,Quận Hai,district,HN,,2025-06-30,HN-P-AK; hn-p-bm,Chia tách,Nghị quyết 1656/NQ-UBTVQH15
HN-P-BM,Phường Bình Minh,commune,HN,2025-07-01,,,,
HN-BQL,Ban QLDA quận Một,agency,HN,,30/06/2025,HN-BQL-KV1,,
HN-BQL-KV1,Ban QLDA khu vực 1,Cơ quan / chủ đầu tư,HN,01/07/2025,,,,
HN,Thành phố Hà Nội,province,,,,,,
";

async fn units(db: &TestDb) -> u64 {
    unit::Entity::find().count(&db.conn).await.expect("count")
}

async fn successions(db: &TestDb) -> u64 {
    unit_succession::Entity::find()
        .count(&db.conn)
        .await
        .expect("count")
}

async fn id_of(db: &TestDb, code: &str) -> i64 {
    unit::Entity::find()
        .filter(unit::Column::Code.eq(code))
        .one(&db.conn)
        .await
        .expect("query")
        .unwrap_or_else(|| panic!("no unit {code}"))
        .id
}

/// The form of `page` as the browser posts it (multipart): its token, the dry run box, the file.
fn multipart(page: &Response, dry_run: bool, file: &str) -> Vec<u8> {
    let token = attr(
        &doc(page),
        "main form[action='/units/import'] input[name=csrf]",
        "value",
    )
    .expect("the form's token");
    let mut body =
        format!("--X\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n");
    if dry_run {
        body.push_str("--X\r\nContent-Disposition: form-data; name=\"dry_run\"\r\n\r\non\r\n");
    }
    body.push_str(&format!(
        "--X\r\nContent-Disposition: form-data; name=\"file\"; filename=\"don-vi.csv\"\r\nContent-Type: text/csv\r\n\r\n{file}\r\n--X--\r\n"
    ));
    body.into_bytes()
}

async fn upload(c: &Client, page: &Response, dry_run: bool, file: &str) -> Response {
    c.post_bytes(
        "/units/import",
        "multipart/form-data; boundary=X",
        multipart(page, dry_run, file),
    )
    .await
}

fn bidtrack(db: &TestDb, args: &[&str]) -> Output {
    crate::cli::bidtrack(&db.url, args)
}

/// The import as the page reports it: the heading, and the counts line.
fn result(r: &Response) -> (String, String) {
    let page = doc(r);
    (
        texts(&page, "#import-result").concat(),
        texts(&page, ".import-counts").concat(),
    )
}

db_test!(
    a_structure_loads_with_its_successions_and_loads_again_unchanged,
    |db: TestDb| async move {
        let c = Client::new(&db);
        let page = c.get("/units/import").await;
        assert_eq!(page.status, 200, "{}", page.text);

        let r = upload(&c, &page, false, STRUCTURE).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(
            result(&r),
            (
                "Đã nhập".to_owned(),
                "7 dòng. Đơn vị: 7 thêm mới, 0 cập nhật, 0 không đổi. Quan hệ kế thừa: 4 thêm mới, 0 đã có."
                    .to_owned()
            )
        );
        assert_eq!(units(&db).await, 7);

        // The new ward, through the API: both districts before it, each as the file says.
        let ward = c
            .get(&format!("/api/v1/units/{}", id_of(&db, "HN-P-AK").await))
            .await
            .json();
        assert_eq!(ward["parent_id"], id_of(&db, "HN").await);
        assert_eq!(ward["valid_from"], "2025-07-01");
        let before: Vec<(String, String, String, String)> = ward["predecessors"]
            .as_array()
            .expect("predecessors")
            .iter()
            .map(|l| {
                (
                    l["unit"]["code"].as_str().unwrap_or_default().to_owned(),
                    l["kind"].as_str().unwrap_or_default().to_owned(),
                    l["effective_date"].as_str().unwrap_or_default().to_owned(),
                    l["decision"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        let nq = "Nghị quyết 1656/NQ-UBTVQH15".to_owned();
        assert_eq!(
            before,
            vec![
                (
                    "HN-Q1".to_owned(),
                    "merge".to_owned(),
                    "2025-07-01".to_owned(),
                    nq.clone()
                ),
                (
                    "HN-Q2".to_owned(),
                    "split".to_owned(),
                    "2025-07-01".to_owned(),
                    nq
                ),
            ]
        );
        let district = c
            .get(&format!("/api/v1/units/{}", id_of(&db, "HN-Q2").await))
            .await
            .json();
        let after: Vec<&str> = district["successors"]
            .as_array()
            .expect("successors")
            .iter()
            .map(|l| l["unit"]["code"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(after, vec!["HN-P-AK", "HN-P-BM"]);
        assert_eq!(district["valid_to"], "2025-06-30");
        let board = c
            .get(&format!("/api/v1/units/{}", id_of(&db, "HN-BQL").await))
            .await
            .json();
        assert_eq!(board["successors"][0]["kind"], "rename", "{board}");
        assert_eq!(board["successors"][0]["unit"]["code"], "HN-BQL-KV1");

        // The same file again: nothing to do, no second succession.
        let audit_before = entity::audit_log::Entity::find()
            .count(&db.conn)
            .await
            .expect("count");
        let r = upload(&c, &page, false, STRUCTURE).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(
            result(&r).1,
            "7 dòng. Đơn vị: 0 thêm mới, 0 cập nhật, 7 không đổi. Quan hệ kế thừa: 0 thêm mới, 4 đã có."
        );
        assert_eq!((units(&db).await, successions(&db).await), (7, 4));
        assert_eq!(
            entity::audit_log::Entity::find()
                .count(&db.conn)
                .await
                .expect("count"),
            audit_before,
            "an unchanged import writes no audit row"
        );

        // A changed name updates that unit only.
        let renamed = STRUCTURE.replace("Phường Bình Minh", "Phường Bình Minh mới");
        let r = upload(&c, &page, false, &renamed).await;
        assert_eq!(
            result(&r).1,
            "7 dòng. Đơn vị: 0 thêm mới, 1 cập nhật, 6 không đổi. Quan hệ kế thừa: 0 thêm mới, 4 đã có."
        );
    }
);

db_test!(
    a_file_with_errors_writes_nothing_and_a_dry_run_nothing_either,
    |db: TestDb| async move {
        let c = Client::new(&db);
        let page = c.get("/units/import").await;

        // One bad row among good ones: an unknown kind, listed with the values accepted, and
        // an unknown parent code, named.
        let bad =
            format!("{STRUCTURE}HN-X,Xã Lạ,thôn,HN,,,,,\nHN-Y,Phường Y,commune,HN-KHONGCO,,,,,\n");
        let r = upload(&c, &page, false, &bad).await;
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(result(&r).0, "Chưa nhập: có 2 lỗi");
        let errors = texts(&doc(&r), "table.import-errors tbody tr");
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            errors[0].starts_with("9 Loại đơn vị thôn")
                && errors[0].contains("Tỉnh / thành phố; Quận / huyện / thị xã; Phường / xã / thị trấn; Cơ quan / chủ đầu tư")
                && errors[0].contains("province, district, commune, agency"),
            "{}",
            errors[0]
        );
        assert!(
            errors[1].starts_with("10 Mã đơn vị cấp trên HN-KHONGCO")
                && errors[1].contains("Không có đơn vị mã HN-KHONGCO"),
            "{}",
            errors[1]
        );
        assert_eq!((units(&db).await, successions(&db).await), (0, 0));
        // The errors download as CSV from the link the page shows.
        let href = attr(&doc(&r), "a[download]", "href").expect("download link");
        let csv = c.get(&href).await;
        assert_eq!(csv.status, 200);
        assert!(csv.text.contains("HN-KHONGCO"), "{}", csv.text);

        // A dry run of the good file says what would be done, and does nothing.
        let audit_before = entity::audit_log::Entity::find()
            .count(&db.conn)
            .await
            .expect("count");
        let r = upload(&c, &page, true, STRUCTURE).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(
            result(&r),
            (
                "Kiểm tra xong: có thể nhập".to_owned(),
                "7 dòng. Đơn vị: 7 thêm mới, 0 cập nhật, 0 không đổi. Quan hệ kế thừa: 4 thêm mới, 0 đã có."
                    .to_owned()
            )
        );
        assert_eq!((units(&db).await, successions(&db).await), (0, 0));
        assert_eq!(
            entity::audit_log::Entity::find()
                .count(&db.conn)
                .await
                .expect("count"),
            audit_before,
            "the dry run's writes are rolled back, their audit rows with them"
        );

        // Loaded for real, then a file whose only fault the successions' own rule finds while
        // writing (district Một already went to An Khánh; a merge has one successor): the new
        // ward it also creates is rolled back with it.
        let r = upload(&c, &page, false, STRUCTURE).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let before = (units(&db).await, successions(&db).await);
        let second = "\
Mã đơn vị,Tên đơn vị,Loại đơn vị,Mã đơn vị cấp trên,Hiệu lực từ ngày,Hiệu lực đến ngày,Mã đơn vị kế thừa,Quyết định
HN-P-CD,Phường Cầu Dền,commune,HN,01/07/2025,,,
HN-Q1,Quận Một,district,HN,,30/06/2025,HN-P-CD,Nghị quyết 1656/NQ-UBTVQH15
";
        let r = upload(&c, &page, false, second).await;
        assert_eq!(r.status, 422, "{}", r.text);
        let errors = texts(&doc(&r), "table.import-errors tbody tr");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].starts_with("3 Mã đơn vị kế thừa HN-P-CD")
                && errors[0].contains("đã có đơn vị kế thừa"),
            "{}",
            errors[0]
        );
        assert_eq!((units(&db).await, successions(&db).await), before);
        assert!(
            unit::Entity::find()
                .filter(unit::Column::Code.eq("HN-P-CD"))
                .one(&db.conn)
                .await
                .expect("query")
                .is_none()
        );

        // New dates that would make recorded successions untrue: district Một ending a month
        // earlier than its successor began, ward Bình Minh beginning after it took over.
        let moved = "\
Mã đơn vị,Tên đơn vị,Loại đơn vị,Mã đơn vị cấp trên,Hiệu lực từ ngày,Hiệu lực đến ngày
HN-Q1,Quận Một,district,HN,,31/05/2025
HN-P-BM,Phường Bình Minh,commune,HN,01/08/2025,
";
        let r = upload(&c, &page, false, moved).await;
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(
            texts(&doc(&r), "table.import-errors tbody tr"),
            vec![
                "2 Hiệu lực đến ngày 31/05/2025 Đã ghi HN-P-AK kế thừa HN-Q1 từ 01/07/2025: \
                 ngày hết hiệu lực phải là 30/06/2025",
                "3 Hiệu lực từ ngày 01/08/2025 Đã ghi HN-P-BM kế thừa HN-Q2 từ 01/07/2025: \
                 HN-P-BM phải có hiệu lực vào ngày đó",
            ]
        );
        assert_eq!((units(&db).await, successions(&db).await), before);

        // Rows that cannot stand: a code twice, a successor on a unit that has not ended, an
        // end before the start, a successor not yet valid, a parent cycle.
        let wrong = "\
Mã đơn vị,Tên đơn vị,Cấp,Mã đơn vị cấp trên,Từ ngày,Đến ngày,Đơn vị kế thừa
HN-A,Đơn vị A,commune,HN-B,,,HN-P-AK
HN-B,Đơn vị B,commune,HN-A,01/01/2025,31/12/2024,
HN-A,Đơn vị A lần hai,commune,HN,,,
HN-C,Đơn vị C,commune,HN,,31/03/2025,HN-P-BM
";
        let r = upload(&c, &page, true, wrong).await;
        assert_eq!(r.status, 422, "{}", r.text);
        let errors = texts(&doc(&r), "table.import-errors tbody tr");
        let expected = [
            ("2", "Mã đơn vị cấp trên", "nằm dưới HN-A"),
            ("2", "Đơn vị kế thừa", "chưa có ngày hết hiệu lực"),
            ("3", "Đến ngày", "Ngày hết hiệu lực phải sau ngày bắt đầu"),
            ("3", "Mã đơn vị cấp trên", "nằm dưới HN-B"),
            ("4", "Mã đơn vị", "Trùng mã đơn vị với dòng 2"),
            (
                "5",
                "Đơn vị kế thừa",
                "không có hiệu lực vào ngày kế thừa 01/04/2025",
            ),
        ];
        for (row, column, message) in expected {
            assert!(
                errors
                    .iter()
                    .any(|e| e.starts_with(&format!("{row} {column}")) && e.contains(message)),
                "{row} {column} {message}: {errors:#?}"
            );
        }
        assert_eq!(errors.len(), expected.len(), "{errors:#?}");
        assert_eq!((units(&db).await, successions(&db).await), before);
    }
);

db_test!(
    only_administrators_load_a_structure,
    |db: TestDb| async move {
        let admin = Client::new(&db);
        let city = admin.unit("HN", "province", None).await;
        let officer = Client::as_role(&db, Role::Officer, Some(city));
        assert_eq!(officer.get("/units/import").await.status, 403);
        assert_eq!(officer.get("/units/import/template.csv").await.status, 403);
        // Refused before the body is read: not even a form.
        let r = officer
            .post_bytes("/units/import", "text/plain", b"not a form".to_vec())
            .await;
        assert_eq!(r.status, 403, "{}", r.text);
        let r = officer
            .post_bytes(
                "/units/import",
                "multipart/form-data; boundary=X",
                format!(
                    "--X\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n{STRUCTURE}\r\n--X--\r\n"
                )
                .into_bytes(),
            )
            .await;
        assert_eq!(r.status, 403);
        assert_eq!(units(&db).await, 1);
        // The units list links to the page for administrators only.
        let link = "a[href='/units/import']";
        assert_eq!(texts(&doc(&admin.get("/units").await), link).len(), 1);
        assert!(texts(&doc(&officer.get("/units").await), link).is_empty());
        // A forged form (a token the page did not give) is refused, and writes nothing.
        let page = admin.get("/units/import").await;
        let forged = String::from_utf8(multipart(&page, false, STRUCTURE))
            .expect("utf-8")
            .replace(
                &attr(&doc(&page), "main form input[name=csrf]", "value").expect("token"),
                "forged",
            );
        let r = admin
            .post_bytes(
                "/units/import",
                "multipart/form-data; boundary=X",
                forged.into_bytes(),
            )
            .await;
        assert_eq!(r.status, 403);
        assert_eq!(units(&db).await, 1);
        // The template reads back as a file the import takes.
        let template = admin.get("/units/import/template.csv").await;
        assert_eq!(template.status, 200);
        let r = upload(&admin, &page, true, &template.text).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(result(&r).0, "Kiểm tra xong: có thể nhập");
    }
);

db_test!(
    the_api_loads_a_structure_with_problems_for_bad_files,
    |db: TestDb| async move {
        let admin = Client::new(&db);
        let r = admin
            .post_bytes(
                "/api/v1/units/import?dry_run=true",
                "text/csv",
                STRUCTURE.into(),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let report = r.json();
        assert_eq!(
            (
                &report["dry_run"],
                &report["units_created"],
                &report["successions_created"]
            ),
            (&json!(true), &json!(7), &json!(4))
        );
        assert_eq!(units(&db).await, 0);

        let bad = format!("{STRUCTURE}HN-Y,Phường Y,commune,HN-KHONGCO,,,,,\n");
        let r = admin
            .post_bytes("/api/v1/units/import", "text/csv", bad.into_bytes())
            .await;
        let p = r.problem(422, "import_rejected");
        assert_eq!(p["report"]["errors"][0]["row"], 9, "{p}");
        assert_eq!(p["report"]["errors"][0]["column"], "Mã đơn vị cấp trên");
        assert_eq!(p["report"]["errors"][0]["value"], "HN-KHONGCO");
        assert_eq!(units(&db).await, 0);
        // A file the import cannot read at all: the columns it needs, named.
        let r = admin
            .post_bytes(
                "/api/v1/units/import",
                "text/csv",
                b"code,name\nHN,Ha Noi\n".to_vec(),
            )
            .await;
        let p = r.problem(422, "missing_columns");
        assert!(
            p["detail"]
                .as_str()
                .is_some_and(|d| d.contains("Loại đơn vị (kind)")),
            "{p}"
        );

        let r = admin
            .post_bytes("/api/v1/units/import", "text/csv", STRUCTURE.into())
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json()["units_created"], 7);
        let r = admin
            .post_bytes("/api/v1/units/import", "text/csv", STRUCTURE.into())
            .await;
        assert_eq!(
            (
                &r.json()["units_unchanged"],
                &r.json()["successions_unchanged"]
            ),
            (&json!(7), &json!(4))
        );

        // An officer is refused before the body is read: even one that is not a file.
        let officer = Client::as_role(&db, Role::Officer, Some(id_of(&db, "HN").await));
        officer
            .post_bytes("/api/v1/units/import", "text/csv", b"\xff\xfe".to_vec())
            .await
            .problem(403, "forbidden");
    }
);

db_test!(
    the_command_line_imports_units_all_or_nothing,
    |db: TestDb| async move {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("don-vi.csv");
        std::fs::write(&file, STRUCTURE).expect("write");
        let path = file.to_str().expect("path");

        let o = bidtrack(&db, &["import-units", path, "--dry-run"]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(
            stdout(&o),
            "dry run, nothing written: 7 rows: units 7 created, 0 updated, 0 unchanged; \
             successions 4 created, 0 unchanged; 0 errors\n"
        );
        assert_eq!(units(&db).await, 0);

        let o = bidtrack(&db, &["import-units", path]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(
            stdout(&o),
            "7 rows: units 7 created, 0 updated, 0 unchanged; successions 4 created, 0 unchanged; 0 errors\n"
        );
        let o = bidtrack(&db, &["import-units", path]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(
            stdout(&o),
            "7 rows: units 0 created, 0 updated, 7 unchanged; successions 0 created, 4 unchanged; 0 errors\n"
        );
        assert_eq!((units(&db).await, successions(&db).await), (7, 4));

        let bad = dir.path().join("sai.csv");
        std::fs::write(
            &bad,
            format!("{STRUCTURE}HN-NEW,Phường Mới,commune,HN,,,,,\nHN-Z,Xã Z,thôn,HN,,,,,\n"),
        )
        .expect("write");
        let o = bidtrack(&db, &["import-units", bad.to_str().expect("path")]);
        assert!(!o.status.success());
        assert!(
            stderr(&o).contains("1 errors in 9 rows: nothing was imported"),
            "{}",
            stderr(&o)
        );
        let out = stdout(&o);
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(
            out.starts_with("dòng 10\tLoại đơn vị\t«thôn»\tKhông rõ cấp đơn vị"),
            "{out}"
        );
        assert_eq!(
            units(&db).await,
            7,
            "the good new row is not written either"
        );
    }
);
