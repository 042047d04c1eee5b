//! The officer's path in a real browser (headless Chromium through chromedriver): the dashboard,
//! a package created through the form, a bad price explained in place, the fix, the one-click
//! switch to online, and the dashboard's share and shortfall moving. Screenshots go to
//! `target/screenshots/`.

use crate::client::Client;
use crate::db_test;
use crate::support::*;
use bidtrack::seed::demo;
use fantoccini::{Locator, elements::Element};
use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// chromedriver for one test, killed when the test ends however it ends.
struct Driver {
    child: Child,
    port: u16,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn find_program(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// The browser and its driver, or `None` (loudly) when this machine has none. Under CI=true a
/// missing browser is a failure, never a skip.
fn browser_tools() -> Option<(PathBuf, PathBuf)> {
    let driver = find_program("chromedriver");
    let chromium = find_program("chromium").or_else(|| find_program("chromium-browser"));
    match (driver, chromium) {
        (Some(d), Some(c)) => Some((d, c)),
        _ => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!(
                    "CI=true but chromium or chromedriver is missing: the browser test cannot run"
                );
            }
            let _ = std::io::stderr().write_all(
                b"!!! SKIPPED browser test: chromium and chromedriver are not installed \
                  (apt-get install -y chromium chromium-driver)\n",
            );
            None
        }
    }
}

async fn start_driver(program: &PathBuf) -> Driver {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let child = Command::new(program)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver {
        child,
        port,
        _profile: tempfile::tempdir().expect("profile dir"),
    };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return driver;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not listen on port {port} within 10 s");
}

async fn open_browser(driver: &Driver, chromium: &std::path::Path) -> fantoccini::Client {
    let profile = format!("--user-data-dir={}", driver._profile.path().display());
    let caps = serde_json::json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic",
                "--window-size=1280,1400", "--lang=vi", profile,
            ]
        }
    });
    let serde_json::Value::Object(caps) = caps else {
        unreachable!("an object literal")
    };
    fantoccini::ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("open a browser session")
}

fn screenshot_dir() -> PathBuf {
    // CARGO_TARGET_TMPDIR is <target>/tmp; screenshots sit beside it.
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target dir")
        .join("screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    dir
}

async fn css(b: &fantoccini::Client, selector: &str) -> Element {
    b.find(Locator::Css(selector))
        .await
        .unwrap_or_else(|e| panic!("{selector}: {e}"))
}

async fn text(b: &fantoccini::Client, selector: &str) -> String {
    css(b, selector).await.text().await.expect("text")
}

/// Clicks something that loads a new page and waits until the new page is there: a click
/// returns before a form's navigation completes, and the old page's elements then go stale.
async fn click_and_load(b: &fantoccini::Client, selector: &str) {
    let old = css(b, "html").await;
    css(b, selector)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {selector}: {e}"));
    for _ in 0..200 {
        if old.tag_name().await.is_err() {
            let ready = b
                .execute("return document.readyState", Vec::new())
                .await
                .expect("readyState");
            if ready == "complete" {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("clicking {selector} did not load a page within 10 s");
}

async fn path(b: &fantoccini::Client) -> String {
    let url = b.current_url().await.expect("url");
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    }
}

/// A browser (and its driver, which must live as long) on the demo data served from `db`, with
/// the server's address; `None` when this machine has no browser (see [`browser_tools`]).
async fn browser_on_demo(db: &TestDb) -> Option<(fantoccini::Client, String, Driver)> {
    let (driver_program, chromium) = browser_tools()?;
    demo::load(&db.conn).await.expect("demo");
    let addr = Client::new(db).serve().await;
    let driver = start_driver(&driver_program).await;
    let b = open_browser(&driver, &chromium).await;
    Some((b, format!("http://{addr}"), driver))
}

db_test!(officer_path_in_a_real_browser, |db: TestDb| async move {
    let Some((b, base, _driver)) = browser_on_demo(&db).await else {
        return;
    };
    let ha_dong = bidtrack::db::units::find_by_code(&db.conn, demo::HA_DONG)
        .await
        .expect("query")
        .expect("unit")
        .id;
    let shots = screenshot_dir();
    let engine = db.engine_name();

    // A stranger is sent to the login page; the district's officer signs in and lands on the
    // dashboard of their own unit.
    b.goto(&format!("{base}/")).await.expect("open dashboard");
    assert_eq!(path(&b).await, "/login?next=%2F");
    let officer = &demo::DEMO_USERS[1];
    css(&b, "#username")
        .await
        .send_keys(officer.username)
        .await
        .expect("username");
    css(&b, "#password")
        .await
        .send_keys(officer.password)
        .await
        .expect("password");
    click_and_load(&b, "form.edit button[type=submit]").await;
    assert_eq!(path(&b).await, "/");
    assert_eq!(
        text(&b, "#result").await,
        format!("Quận Hà Đông, năm {}", demo_default_year()),
        "the officer's own unit first"
    );

    // The dashboard: pick the district and the year as an officer would.
    css(&b, "select#unit_id")
        .await
        .select_by_value(&ha_dong.to_string())
        .await
        .expect("pick unit");
    let year = css(&b, "input#year").await;
    year.clear().await.expect("clear");
    year.send_keys("2019").await.expect("type year");
    click_and_load(&b, "form.picker button").await;
    assert_eq!(
        text(&b, "#target-1").await,
        "Nghị quyết 01/NQ-CP (2019) Đạt"
    );
    assert_eq!(text(&b, "#target-1 .verdict").await, "Đạt");
    assert_eq!(
        text(&b, ".shortfall").await,
        "Đã đạt chỉ tiêu về số lượng gói thầu. Đã đạt chỉ tiêu về giá trị."
    );

    // A new package through the form, with a price nobody can read one way only.
    click_and_load(&b, "a[href='/packages']").await;
    // The form for the demo's year: the district ended on 30 June 2025, so the form of this
    // year (its default) does not offer it.
    b.goto(&format!("{base}/packages/new?plan_year=2019"))
        .await
        .expect("open form");
    css(&b, "select#unit_id")
        .await
        .select_by_value(&ha_dong.to_string())
        .await
        .expect("unit");
    css(&b, "#name")
        .await
        .send_keys("Mua sắm máy photocopy cho bộ phận một cửa")
        .await
        .expect("name");
    let plan_year = css(&b, "#plan_year").await;
    plan_year.clear().await.expect("clear");
    plan_year.send_keys("2019").await.expect("year");
    css(&b, "select#field")
        .await
        .select_by_value("goods")
        .await
        .expect("field");
    css(&b, "select#method")
        .await
        .select_by_value("competitive_offers")
        .await
        .expect("method");
    css(&b, "#package_price_vnd")
        .await
        .send_keys("450.000,000")
        .await
        .expect("price");
    click_and_load(&b, "form.edit button[type=submit]").await;

    let price = css(&b, "#package_price_vnd").await;
    assert_eq!(
        price.attr("aria-invalid").await.expect("attr").as_deref(),
        Some("true")
    );
    assert_eq!(
        price.prop("value").await.expect("value").as_deref(),
        Some("450.000,000"),
        "what was typed is kept"
    );
    assert!(
        text(&b, "#package_price_vnd-error")
            .await
            .starts_with("Không rõ dấu phân cách"),
        "the message sits beside the field"
    );
    assert_eq!(
        text(&b, ".error-summary h2").await,
        "Chưa lưu được: có 1 lỗi cần sửa"
    );
    assert_eq!(
        css(&b, "#name")
            .await
            .prop("value")
            .await
            .expect("value")
            .as_deref(),
        Some("Mua sắm máy photocopy cho bộ phận một cửa")
    );
    std::fs::write(
        shots.join(format!("package-form-error-{engine}.png")),
        b.screenshot().await.expect("screenshot"),
    )
    .expect("write screenshot");

    // Fix it and save: the package page, with the notice.
    price.clear().await.expect("clear");
    price.send_keys("450.000.000").await.expect("price");
    click_and_load(&b, "form.edit button[type=submit]").await;
    assert!(
        path(&b).await.starts_with("/packages/"),
        "{}",
        path(&b).await
    );
    assert_eq!(
        text(&b, ".flash.ok").await,
        "Đã thêm gói thầu «Mua sắm máy photocopy cho bộ phận một cửa»."
    );
    assert_eq!(text(&b, "#scope .badge").await, "Thuộc phạm vi chỉ tiêu");
    let package_page = path(&b).await;

    // The district now misses its target by one package.
    b.goto(&format!("{base}/?unit_id={ha_dong}&year=2019"))
        .await
        .expect("dashboard");
    assert_eq!(text(&b, "#target-1 .verdict").await, "Chưa đạt");
    assert_eq!(
        text(&b, ".shortfall").await,
        "Cần thêm 1 gói thầu qua mạng để đạt chỉ tiêu về số lượng. Đã đạt chỉ tiêu về giá trị."
    );
    let before = text(&b, ".measure strong").await;
    assert_eq!(before, "44,44%");
    let candidates = text(&b, "section[aria-labelledby=candidates]").await;
    assert!(candidates.contains("Mua sắm máy photocopy"), "{candidates}");

    // One click on the package page, then the dashboard again.
    b.goto(&format!("{base}{package_page}"))
        .await
        .expect("package");
    click_and_load(&b, ".actions form button").await;
    assert_eq!(
        text(&b, ".flash.ok").await,
        "Đã chuyển gói thầu «Mua sắm máy photocopy cho bộ phận một cửa» sang lựa chọn qua mạng."
    );
    b.goto(&format!("{base}/?unit_id={ha_dong}&year=2019"))
        .await
        .expect("dashboard");
    assert_eq!(text(&b, "#target-1 .verdict").await, "Đạt");
    assert_eq!(text(&b, ".measure strong").await, "55,55%");
    assert_eq!(
        text(&b, ".shortfall").await,
        "Đã đạt chỉ tiêu về số lượng gói thầu. Đã đạt chỉ tiêu về giá trị."
    );
    std::fs::write(
        shots.join(format!("dashboard-{engine}.png")),
        b.screenshot().await.expect("screenshot"),
    )
    .expect("write screenshot");

    // On a phone-sized window no page scrolls sideways (wide tables scroll inside their card).
    b.set_window_size(390, 844).await.expect("resize");
    for page in [
        "/",
        "/packages",
        "/packages/new",
        package_page.as_str(),
        "/reports",
        "/units",
    ] {
        b.goto(&format!("{base}{page}")).await.expect("open");
        if let Some(why) = wider_than_window(&b).await {
            panic!("{page} scrolls sideways on a phone: {why}");
        }
    }
    b.goto(&format!("{base}/?unit_id={ha_dong}&year=2019"))
        .await
        .expect("dashboard");
    std::fs::write(
        shots.join(format!("dashboard-phone-{engine}.png")),
        b.screenshot().await.expect("screenshot"),
    )
    .expect("write screenshot");
    b.close().await.expect("close browser");
});

/// Signs in on the login page the browser is on and waits for the page it leads to.
async fn sign_in(b: &fantoccini::Client, username: &str, password: &str) {
    css(b, "#username")
        .await
        .send_keys(username)
        .await
        .expect("username");
    css(b, "#password")
        .await
        .send_keys(password)
        .await
        .expect("password");
    click_and_load(b, "form.edit button[type=submit]").await;
}

async fn value(b: &fantoccini::Client, selector: &str) -> Option<String> {
    css(b, selector).await.prop("value").await.expect("value")
}

async fn type_into(b: &fantoccini::Client, selector: &str, text: &str) {
    let input = css(b, selector).await;
    input.clear().await.expect("clear");
    input.send_keys(text).await.expect("type");
}

async fn choose(b: &fantoccini::Client, selector: &str, value: &str) {
    css(b, selector)
        .await
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("{selector} = {value}: {e}"));
}

db_test!(
    officer_refused_another_unit_keeps_the_form_in_a_real_browser,
    |db: TestDb| async move {
        let Some((b, base, _driver)) = browser_on_demo(&db).await else {
            return;
        };
        let unit = |code: &'static str| {
            let conn = db.conn.clone();
            async move {
                bidtrack::db::units::find_by_code(&conn, code)
                    .await
                    .expect("query")
                    .expect("unit")
                    .id
            }
        };
        let ha_dong = unit(demo::HA_DONG).await;
        let hoan_kiem = unit("HN-HOANKIEM").await;
        let mut own_units = bidtrack::db::units::subtree_ids(&db.conn, ha_dong)
            .await
            .expect("subtree");
        own_units.sort_unstable();
        // An officer of the district, made as the test client makes its users, with a password
        // to sign in with.
        use bidtrack::services::accounts;
        accounts::create_user(
            &db.conn,
            &accounts::Actor::system(),
            accounts::NewUser {
                username: "can-bo-ha-dong".to_owned(),
                display_name: "Cán bộ quận Hà Đông".to_owned(),
                password: "mat-khau-can-bo-2019".to_owned(),
                role: entity::Role::Officer,
                unit_id: Some(ha_dong),
            },
        )
        .await
        .expect("officer");
        let shots = screenshot_dir();
        let engine = db.engine_name();

        b.goto(&format!("{base}/packages/new"))
            .await
            .expect("open form");
        assert_eq!(path(&b).await, "/login?next=%2Fpackages%2Fnew");
        sign_in(&b, "can-bo-ha-dong", "mat-khau-can-bo-2019").await;
        assert_eq!(path(&b).await, "/packages/new");
        // The demo's year: the district's units ended on 30 June 2025.
        b.goto(&format!("{base}/packages/new?plan_year=2019"))
            .await
            .expect("open form");

        // Only the units the officer may write are offered, their own chosen.
        let offered = b
            .execute(
                "return Array.from(document.querySelectorAll('select#unit_id option')) \
                   .map(o => o.value).filter(v => v !== '')",
                Vec::new(),
            )
            .await
            .expect("options");
        let mut offered: Vec<i64> = offered
            .as_array()
            .expect("a list")
            .iter()
            .map(|v| v.as_str().and_then(|v| v.parse().ok()).expect("a unit id"))
            .collect();
        offered.sort_unstable();
        assert_eq!(offered, own_units);
        assert_eq!(value(&b, "select#unit_id").await, Some(ha_dong.to_string()));

        // A page tampered with (or an old tab) sends a unit elsewhere: a message beside the
        // unit choice, everything typed kept.
        let name = "Mua sắm máy chủ cho bộ phận một cửa";
        type_into(&b, "#name", name).await;
        choose(&b, "select#field", "goods").await;
        choose(&b, "select#method", "competitive_offers").await;
        type_into(&b, "#package_price_vnd", "450.000.000").await;
        b.execute(
            "const s = document.getElementById('unit_id'); \
             s.add(new Option('Quận Hoàn Kiếm', arguments[0])); s.value = arguments[0];",
            vec![serde_json::json!(hoan_kiem.to_string())],
        )
        .await
        .expect("tamper with the unit");
        click_and_load(&b, "form.edit button[type=submit]").await;
        assert_eq!(
            text(&b, "#unit_id-error").await,
            "Bạn chỉ được chọn đơn vị của mình hoặc đơn vị trực thuộc"
        );
        assert_eq!(
            css(&b, "select#unit_id")
                .await
                .attr("aria-invalid")
                .await
                .expect("attr")
                .as_deref(),
            Some("true")
        );
        assert_eq!(
            text(&b, ".error-summary h2").await,
            "Chưa lưu được: có 1 lỗi cần sửa"
        );
        assert_eq!(value(&b, "#name").await.as_deref(), Some(name));
        assert_eq!(value(&b, "select#field").await.as_deref(), Some("goods"));
        assert_eq!(
            value(&b, "select#method").await.as_deref(),
            Some("competitive_offers")
        );
        assert_eq!(
            value(&b, "#package_price_vnd").await.as_deref(),
            Some("450.000.000")
        );
        std::fs::write(
            shots.join(format!("package-form-unit-refused-{engine}.png")),
            b.screenshot().await.expect("screenshot"),
        )
        .expect("write screenshot");

        // Choosing the own unit again on that page saves it.
        choose(&b, "select#unit_id", &ha_dong.to_string()).await;
        click_and_load(&b, "form.edit button[type=submit]").await;
        assert!(
            path(&b).await.starts_with("/packages/"),
            "{}",
            path(&b).await
        );
        assert_eq!(
            text(&b, ".flash.ok").await,
            format!("Đã thêm gói thầu «{name}».")
        );

        // A price in words of speech with the name forgotten: the form comes back saying what
        // the price was read as.
        b.goto(&format!("{base}/packages/new?plan_year=2019"))
            .await
            .expect("open form");
        choose(&b, "select#field", "goods").await;
        choose(&b, "select#method", "competitive_offers").await;
        type_into(&b, "#package_price_vnd", "1,2 tỷ").await;
        click_and_load(&b, "form.edit button[type=submit]").await;
        assert_eq!(text(&b, "#name-error").await, "Chưa nhập tên gói thầu");
        let price = css(&b, "#package_price_vnd").await;
        assert_eq!(
            price.prop("value").await.expect("value").as_deref(),
            Some("1,2 tỷ")
        );
        assert_eq!(price.attr("aria-invalid").await.expect("attr"), None);
        assert!(
            price
                .attr("aria-describedby")
                .await
                .expect("attr")
                .is_some_and(|ids| ids.split(' ').any(|id| id == "package_price_vnd-echo")),
            "the reading describes the field"
        );
        assert_eq!(
            text(&b, "#package_price_vnd-echo").await,
            "Đã đọc: 1.200.000.000 ₫ (Một tỷ hai trăm triệu đồng)"
        );
        std::fs::write(
            shots.join(format!("package-form-money-echo-{engine}.png")),
            b.screenshot().await.expect("screenshot"),
        )
        .expect("write screenshot");

        // The name given, it saves, and the package's page shows the amount read.
        let name = "Mua sắm xe ô tô chuyên dùng";
        type_into(&b, "#name", name).await;
        click_and_load(&b, "form.edit button[type=submit]").await;
        assert_eq!(
            text(&b, ".flash.ok").await,
            format!("Đã thêm gói thầu «{name}».")
        );
        let shown_price = b
            .execute(
                "const dt = Array.from(document.querySelectorAll('dl.facts dt')) \
                   .find(d => d.textContent.trim() === 'Giá gói thầu'); \
                 return dt ? dt.nextElementSibling.textContent.trim() : null",
                Vec::new(),
            )
            .await
            .expect("price on the page");
        assert_eq!(shown_price.as_str(), Some("1.200.000.000 ₫"));
        b.close().await.expect("close browser");
    }
);

/// Why the page in the browser is wider than its window, or `None`. The document may not be
/// wider than the window (`innerWidth`) nor than the part of it beside a scroll bar
/// (`clientWidth`); the message names the elements sticking out.
async fn wider_than_window(b: &fantoccini::Client) -> Option<String> {
    let measured = b
        .execute(
            "const d = document.documentElement; \
             if (d.scrollWidth <= window.innerWidth && d.scrollWidth <= d.clientWidth) return null; \
             const out = Array.from(document.querySelectorAll('body *')) \
               .filter(e => e.getBoundingClientRect().right > d.clientWidth) \
               .map(e => e.tagName + '.' + e.className).slice(0, 8).join(' '); \
             return `${d.scrollWidth}px wide in a window of ${window.innerWidth}px \
               (${d.clientWidth}px beside the scroll bar): ${out}`",
            Vec::new(),
        )
        .await
        .expect("measure");
    measured.as_str().map(str::to_owned)
}

/// The boxes inside the page that scroll sideways on their own (a card around a table too
/// wide for it): a reader on a phone would have to swipe inside them.
async fn boxes_scrolling_sideways(b: &fantoccini::Client) -> Vec<String> {
    let found = b
        .execute(
            "return Array.from(document.querySelectorAll('main *')) \
               .filter(e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX) \
                 && e.scrollWidth > e.clientWidth) \
               .map(e => `${e.tagName}.${e.className} ${e.scrollWidth}px in ${e.clientWidth}px`)",
            Vec::new(),
        )
        .await
        .expect("measure");
    serde_json::from_value(found).expect("a list of strings")
}

/// Opens `page` and fails unless it can be read on this window without sideways scrolling,
/// neither of the page nor of a box inside it.
async fn readable_without_sideways_scroll(b: &fantoccini::Client, base: &str, page: &str) {
    b.goto(&format!("{base}{page}")).await.expect("open");
    if let Some(why) = wider_than_window(b).await {
        panic!("{page} scrolls sideways: {why}");
    }
    let boxes = boxes_scrolling_sideways(b).await;
    assert!(
        boxes.is_empty(),
        "{page} has boxes scrolling sideways: {boxes:?}"
    );
}

/// Saves what the window shows as `file`, scrolled first to `at` when the part worth seeing is
/// below a phone's first screen.
async fn shoot(b: &fantoccini::Client, file: PathBuf, at: Option<&str>) {
    if let Some(selector) = at {
        b.execute(
            "document.querySelector(arguments[0]).scrollIntoView()",
            vec![serde_json::json!(selector)],
        )
        .await
        .expect("scroll");
    }
    std::fs::write(file, b.screenshot().await.expect("screenshot")).expect("write screenshot");
}

/// What is wrong with the register's first `rows` rows on this window: each of name, price,
/// online state and status must be drawn (a box of some size) within the window's width, and
/// every labelled cell must show its label exactly when `labels` (the cards of a phone).
async fn register_rows_unreadable(
    b: &fantoccini::Client,
    rows: usize,
    labels: bool,
) -> Vec<String> {
    let found = b
        .execute(
            "const [rows, labels] = arguments; \
             const w = document.documentElement.clientWidth; \
             const wanted = [['tên', 'td.title a'], ['giá', 'td.num'], \
               ['qua mạng', \"td[data-label='Qua mạng'] .badge\"], \
               ['trạng thái', \"td[data-label='Trạng thái']\"]]; \
             const problems = []; \
             Array.from(document.querySelectorAll('tbody tr')).slice(0, rows).forEach((tr, i) => { \
               for (const [what, selector] of wanted) { \
                 const e = tr.querySelector(selector); \
                 const r = e && e.getBoundingClientRect(); \
                 if (!r || r.width === 0 || r.height === 0 || r.left < 0 || r.right > w) \
                   problems.push(`row ${i + 1}, ${what}: ${r ? `${r.left}..${r.right} of ${w}` : 'missing'}`); \
               } \
               for (const td of tr.querySelectorAll('td[data-label]')) { \
                 const shown = getComputedStyle(td, '::before').content; \
                 const label = JSON.stringify(td.dataset.label); \
                 if (labels ? shown !== label : shown !== 'none') \
                   problems.push(`row ${i + 1}, ${td.dataset.label}: label ${shown}`); \
               } \
             }); \
             return problems",
            vec![serde_json::json!(rows), serde_json::json!(labels)],
        )
        .await
        .expect("measure");
    serde_json::from_value(found).expect("a list of strings")
}

db_test!(
    register_on_a_phone_in_a_real_browser,
    |db: TestDb| async move {
        let Some((b, base, _driver)) = browser_on_demo(&db).await else {
            return;
        };
        let shots = screenshot_dir();
        let engine = db.engine_name();

        // The district's officer on a phone (the width of a common one, in CSS pixels).
        b.set_window_size(390, 844).await.expect("resize");
        b.goto(&format!("{base}/packages")).await.expect("open");
        let officer = &demo::DEMO_USERS[1];
        sign_in(&b, officer.username, officer.password).await;
        assert_eq!(path(&b).await, "/packages");
        assert_eq!(
            b.execute("return window.innerWidth", Vec::new())
                .await
                .expect("width")
                .as_i64(),
            Some(390),
            "the window is a phone's"
        );
        readable_without_sideways_scroll(&b, &base, "/packages").await;
        shoot(
            &b,
            shots.join(format!("register-phone-{engine}.png")),
            Some("tbody"),
        )
        .await;
        let unreadable = register_rows_unreadable(&b, 5, true).await;
        assert!(unreadable.is_empty(), "{unreadable:#?}");

        // The filters are at hand: a search typed and sent on the phone.
        type_into(&b, "#q", "ha dong").await;
        // In 2019: the later years of the demo have many more packages named after Hà Đông.
        type_into(&b, "#plan_year", "2019").await;
        click_and_load(&b, "form.filters button[type=submit]").await;
        assert!(
            path(&b).await.starts_with("/packages?q=ha+dong"),
            "{}",
            path(&b).await
        );
        assert_eq!(text(&b, "main > p.muted").await, "3 gói thầu");
        assert_eq!(wider_than_window(&b).await, None);
        let unreadable = register_rows_unreadable(&b, 3, true).await;
        assert!(unreadable.is_empty(), "{unreadable:#?}");

        // The switch on a card works as on the table, and comes back to the same search.
        let list = path(&b).await;
        click_and_load(&b, "tbody button[aria-label^='Chuyển qua mạng']").await;
        assert_eq!(path(&b).await, list);
        assert!(
            text(&b, ".flash.ok")
                .await
                .ends_with("sang lựa chọn qua mạng."),
            "the notice of the switch"
        );
        assert_eq!(wider_than_window(&b).await, None);
        shoot(
            &b,
            shots.join(format!("register-phone-switched-{engine}.png")),
            None,
        )
        .await;

        // A package's page (its history too), its edit form, and the new-package form with its
        // errors.
        let package = css(&b, "tbody tr:first-child td.title a")
            .await
            .attr("href")
            .await
            .expect("href")
            .expect("a link to the package");
        readable_without_sideways_scroll(&b, &base, &package).await;
        shoot(
            &b,
            shots.join(format!("package-phone-{engine}.png")),
            Some("#history"),
        )
        .await;
        let history = b
            .execute(
                "const first = document.querySelector('#history ~ table tbody td'); \
                 return getComputedStyle(first, '::before').content",
                Vec::new(),
            )
            .await
            .expect("history label");
        assert_eq!(
            history.as_str(),
            Some("\"Thời điểm\""),
            "the history's rows are labelled"
        );
        readable_without_sideways_scroll(&b, &base, &format!("{package}/edit")).await;
        shoot(
            &b,
            shots.join(format!("package-edit-phone-{engine}.png")),
            None,
        )
        .await;
        readable_without_sideways_scroll(&b, &base, "/packages/new").await;
        shoot(
            &b,
            shots.join(format!("package-form-phone-{engine}.png")),
            None,
        )
        .await;
        type_into(&b, "#package_price_vnd", "1,2 tỷ").await;
        click_and_load(&b, "form.edit button[type=submit]").await;
        assert_eq!(text(&b, "#name-error").await, "Chưa nhập tên gói thầu");
        assert_eq!(wider_than_window(&b).await, None);
        assert_eq!(boxes_scrolling_sideways(&b).await, Vec::<String>::new());
        shoot(
            &b,
            shots.join(format!("package-form-error-phone-{engine}.png")),
            None,
        )
        .await;

        // On a desktop the same register is the table it was, its header in sight and no labels
        // repeated in the cells.
        b.set_window_size(1280, 1400).await.expect("resize");
        b.goto(&format!("{base}/packages")).await.expect("open");
        let header = b
            .execute(
                "return Array.from(document.querySelectorAll('thead th')) \
                   .filter(th => { const r = th.getBoundingClientRect(); \
                     return r.width > 0 && r.height > 0 \
                       && r.top >= 0 && r.bottom <= window.innerHeight; }) \
                   .map(th => th.textContent.trim())",
                Vec::new(),
            )
            .await
            .expect("header");
        assert_eq!(
            header,
            serde_json::json!([
                "Gói thầu",
                "Đơn vị",
                "Năm",
                "Hình thức",
                "Lĩnh vực",
                "Giá gói thầu",
                "Qua mạng",
                "Chỉ tiêu",
                "Trạng thái"
            ])
        );
        let unreadable = register_rows_unreadable(&b, 5, false).await;
        assert!(unreadable.is_empty(), "{unreadable:#?}");
        assert_eq!(wider_than_window(&b).await, None);
        shoot(
            &b,
            shots.join(format!("register-desktop-{engine}.png")),
            None,
        )
        .await;
        b.close().await.expect("close browser");
    }
);

/// The dashboard's count of packages declared online without evidence, 0 when it says none.
async fn unevidenced_on_dashboard(b: &fantoccini::Client, base: &str, unit: i64) -> u64 {
    b.goto(&format!("{base}/?unit_id={unit}&year=2019"))
        .await
        .expect("dashboard");
    text(b, ".unevidenced-count")
        .await
        .rsplit(':')
        .next()
        .and_then(|n| n.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// The package page's timeline, line by line.
async fn timeline(b: &fantoccini::Client) -> Vec<String> {
    let mut lines = Vec::new();
    for li in b
        .find_all(Locator::Css("ol.timeline li .what"))
        .await
        .expect("timeline")
    {
        lines.push(li.text().await.expect("text"));
    }
    lines
}

db_test!(
    a_package_lives_from_plan_to_award_in_a_real_browser,
    |db: TestDb| async move {
        let Some((b, base, _driver)) = browser_on_demo(&db).await else {
            return;
        };
        let ha_dong = bidtrack::db::units::find_by_code(&db.conn, demo::HA_DONG)
            .await
            .expect("query")
            .expect("unit")
            .id;
        b.goto(&format!("{base}/")).await.expect("open");
        let officer = &demo::DEMO_USERS[1];
        sign_in(&b, officer.username, officer.password).await;
        let before = unevidenced_on_dashboard(&b, &base, ha_dong).await;

        // Planned, declared online (in the demo's year: the district ended on 30 June 2025).
        b.goto(&format!("{base}/packages/new?plan_year=2019"))
            .await
            .expect("new");
        choose(&b, "select#unit_id", &ha_dong.to_string()).await;
        type_into(&b, "#name", "Mua sắm máy chiếu cho trường học").await;
        type_into(&b, "#plan_year", "2019").await;
        choose(&b, "select#planned_start_month", "9").await;
        choose(&b, "select#field", "goods").await;
        choose(&b, "select#method", "competitive_offers").await;
        type_into(&b, "#package_price_vnd", "850.000.000").await;
        css(&b, "#online").await.click().await.expect("online");
        click_and_load(&b, "form.edit button[type=submit]").await;
        let page = path(&b).await;
        assert!(page.starts_with("/packages/"), "{page}");
        assert_eq!(timeline(&b).await, ["Ghi nhận gói thầu: Trong kế hoạch"]);

        // The notice, first under a code that is not the national system's: online is still
        // only declared, and the dashboard counts it.
        click_and_load(&b, "a[href$='/edit']").await;
        choose(&b, "select#status", "notice_published").await;
        type_into(&b, "#code", "TB-2019-0917").await;
        type_into(&b, "#notice_date", "05/09/2019").await;
        type_into(&b, "#bid_closing_at", "15/09/2019 09:00").await;
        click_and_load(&b, "form.edit button[type=submit]").await;
        assert_eq!(path(&b).await, page);
        assert_eq!(
            timeline(&b).await[1],
            "Trong kế hoạch → Đã đăng thông báo mời thầu"
        );
        assert_eq!(
            unevidenced_on_dashboard(&b, &base, ha_dong).await,
            before + 1
        );

        // Its e-GP notice code is the evidence.
        b.goto(&format!("{base}{page}/edit")).await.expect("edit");
        type_into(&b, "#code", "IB1900077777-00").await;
        click_and_load(&b, "form.edit button[type=submit]").await;
        assert_eq!(unevidenced_on_dashboard(&b, &base, ha_dong).await, before);

        // The award: a wrong tax code is refused beside its field, then corrected.
        b.goto(&format!("{base}{page}/edit")).await.expect("edit");
        choose(&b, "select#status", "awarded").await;
        type_into(&b, "#bidder_count", "3").await;
        type_into(&b, "#award_decision_no", "215/QĐ-UBND").await;
        type_into(&b, "#result_date", "30/09/2019").await;
        type_into(&b, "#winning_price_vnd", "812.000.000").await;
        type_into(
            &b,
            "#contractor_name",
            "Công ty TNHH Thiết bị Giáo dục Hà Nội",
        )
        .await;
        type_into(&b, "#contractor_tax_code", "0100109107").await;
        click_and_load(&b, "form.edit button[type=submit]").await;
        assert!(
            text(&b, "#contractor_tax_code-error")
                .await
                .contains("chữ số kiểm tra"),
            "the tax code's check digit"
        );
        type_into(&b, "#contractor_tax_code", "0100109106").await;
        click_and_load(&b, "form.edit button[type=submit]").await;
        assert_eq!(path(&b).await, page);
        let lines = timeline(&b).await;
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert_eq!(
            lines[2],
            "Đã đăng thông báo mời thầu → Đã có kết quả lựa chọn nhà thầu"
        );
        assert!(
            text(&b, "ol.timeline li:last-child .detail")
                .await
                .contains("215/QĐ-UBND"),
            "the award's decision"
        );
        shoot(
            &b,
            screenshot_dir().join(format!("package-life-{}.png", db.engine_name())),
            None,
        )
        .await;
        b.close().await.expect("close browser");
    }
);

db_test!(
    annual_report_printed_from_the_reports_page,
    |db: TestDb| async move {
        let Some((b, base, _driver)) = browser_on_demo(&db).await else {
            return;
        };
        let shots = screenshot_dir();
        let engine = db.engine_name();
        // The finance department's user sees the whole city.
        let finance = demo::DEMO_USERS
            .iter()
            .find(|u| u.role == entity::Role::Finance)
            .expect("a finance user");
        b.goto(&format!("{base}/login")).await.expect("open login");
        sign_in(&b, finance.username, finance.password).await;
        for code in [demo::HA_DONG, "HN"] {
            let unit = bidtrack::db::units::find_by_code(&db.conn, code)
                .await
                .expect("query")
                .expect("unit")
                .id;
            // The year first: the picker offers the units of the year being reported on, and
            // quận Hà Đông ended in 2025.
            b.goto(&format!("{base}/reports?year=2019"))
                .await
                .expect("reports page");
            for (select, value) in [
                ("select#report", "annual".to_owned()),
                ("select#unit_id", unit.to_string()),
                ("select#period", "year".to_owned()),
            ] {
                css(&b, select)
                    .await
                    .select_by_value(&value)
                    .await
                    .unwrap_or_else(|e| panic!("{select} = {value}: {e}"));
            }
            let year = css(&b, "input#year").await;
            year.clear().await.expect("clear");
            year.send_keys("2019").await.expect("type year");
            click_and_load(&b, "form.picker button").await;
            assert_eq!(
                text(&b, ".report-preview .report-title").await,
                "BÁO CÁO TÌNH HÌNH THỰC HIỆN CÔNG TÁC ĐẤU THẦU NĂM 2019"
            );
            // The printable document, as the page links it.
            click_and_load(&b, ".downloads a[href*='format=html']").await;
            assert_eq!(
                text(&b, ".annual-heading .national").await,
                "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
            );
            // What the printer gets: the first page of an A4 landscape print, as a PDF…
            let print = fantoccini::wd::PrintConfiguration::builder()
                .orientation(fantoccini::wd::PrintOrientation::Landscape)
                .size(fantoccini::wd::PrintSize::A4)
                .page_ranges(vec![fantoccini::wd::PrintPageRange::single(1)])
                .build()
                .expect("print settings");
            let pdf = b.print(print).await.expect("print");
            assert!(pdf.starts_with(b"%PDF"), "a PDF");
            let stem = format!("annual-report-{}-{engine}-page1", code.to_lowercase());
            std::fs::write(shots.join(format!("{stem}.pdf")), &pdf).expect("write pdf");
            // …and as a picture: the window at A4 landscape (297 × 210 mm at 96 dpi) with the
            // print rules applied to the screen and the page margin as padding.
            b.set_window_size(1123, 794).await.expect("window size");
            b.execute(
                "for (const sheet of document.styleSheets) \
                   for (const rule of sheet.cssRules) \
                     if (rule.media && rule.media.mediaText.includes('print')) \
                       rule.media.appendMedium('screen'); \
                 document.body.style.padding = '10mm'; window.scrollTo(0, 0);",
                Vec::new(),
            )
            .await
            .expect("print rules on screen");
            let signed = b
                .execute(
                    "return document.querySelector('.signature').textContent",
                    Vec::new(),
                )
                .await
                .expect("signature");
            assert!(
                signed
                    .as_str()
                    .is_some_and(|s| s.contains("THỦ TRƯỞNG ĐƠN VỊ")),
                "{signed}"
            );
            std::fs::write(
                shots.join(format!("{stem}.png")),
                b.screenshot().await.expect("screenshot"),
            )
            .expect("write screenshot");
            b.set_window_size(1280, 900).await.expect("window size");
        }
    }
);

/// The year labels of the trend chart the browser shows, in order.
async fn trend_years(b: &fantoccini::Client) -> Vec<String> {
    let mut out = Vec::new();
    for e in b
        .find_all(Locator::Css("svg.trend-chart text.year"))
        .await
        .expect("year labels")
    {
        out.push(e.text().await.expect("text"));
    }
    out
}

db_test!(trend_chart_in_a_real_browser, |db: TestDb| async move {
    let Some((b, base, _driver)) = browser_on_demo(&db).await else {
        return;
    };
    let shots = screenshot_dir();
    let engine = db.engine_name();
    let id = |code: &'static str| {
        let conn = db.conn.clone();
        async move {
            bidtrack::db::units::find_by_code(&conn, code)
                .await
                .expect("query")
                .expect("unit")
                .id
        }
    };
    let all: Vec<String> = (2019..=2026).map(|y| y.to_string()).collect();

    b.goto(&format!("{base}/")).await.expect("open");
    let finance = &demo::DEMO_USERS[2];
    sign_in(&b, finance.username, finance.password).await;

    // The city in 2026: the new tree, and its online share since 2019 with the threshold steps.
    let hn = id("HN").await;
    b.goto(&format!("{base}/?unit_id={hn}&year=2026"))
        .await
        .expect("open dashboard");
    assert_eq!(text(&b, "#result").await, "Thành phố Hà Nội, năm 2026");
    assert_eq!(trend_years(&b).await, all);
    let steps = b
        .find_all(Locator::Css("svg.trend-chart line.threshold-count"))
        .await
        .expect("steps");
    assert!(!steps.is_empty(), "the threshold is drawn");
    let points = b
        .find_all(Locator::Css("svg.trend-chart circle.point-count"))
        .await
        .expect("points");
    assert_eq!(points.len(), 8, "a share every year");
    shoot(
        &b,
        shots.join(format!("trend-city-{engine}.png")),
        Some("#trend-heading"),
    )
    .await;

    // A new commune: its predecessors' years before it existed, the split district apart.
    let ward = id("HN-P-HADONG").await;
    b.goto(&format!("{base}/?unit_id={ward}&year=2026"))
        .await
        .expect("open dashboard");
    assert_eq!(trend_years(&b).await, all);
    assert!(
        text(&b, ".trend-section .divided")
            .await
            .contains("đã chia tách cho: Phường Hà Đông, Phường Kiến Hưng")
    );
    shoot(
        &b,
        shots.join(format!("trend-commune-{engine}.png")),
        Some("#trend-heading"),
    )
    .await;
    b.close().await.expect("close browser");
});
