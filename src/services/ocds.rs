//! Exporting packages as an OCDS 1.1 release package, chunk by chunk (a large export never sits
//! in memory whole).

use super::packages::{self, Export, PackageFilter};
use crate::error::AppError;
use crate::ocds::{self, Publication};
use entity::unit;
use sea_orm::{ConnectionTrait, EntityTrait};
use std::collections::HashMap;

pub struct OcdsExport {
    publication: Publication,
    units: HashMap<i64, unit::Model>,
    export: Export,
    first: bool,
}

/// Opens an export of the packages `filter` selects.
pub async fn open(
    db: &impl ConnectionTrait,
    publication: Publication,
    filter: PackageFilter,
) -> Result<OcdsExport, AppError> {
    let units = unit::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let export = packages::export(db, &super::cache::Cache::default(), filter).await?;
    Ok(OcdsExport {
        publication,
        units,
        export,
        first: true,
    })
}

impl OcdsExport {
    pub fn start(&self, uri: &str) -> String {
        ocds::package_start(&self.publication, uri, chrono::Utc::now())
    }

    /// The next releases as JSON text (with the separating commas), or `None` at the end.
    pub async fn next_chunk(
        &mut self,
        db: &impl ConnectionTrait,
    ) -> Result<Option<String>, AppError> {
        let Some(views) = self.export.next_chunk(db).await? else {
            return Ok(None);
        };
        let mut text = String::new();
        for v in views {
            let Some(buyer) = self.units.get(&v.package.unit_id) else {
                continue;
            };
            for release in ocds::releases(&self.publication, &v.package, buyer) {
                if !self.first {
                    text.push(',');
                }
                self.first = false;
                text.push_str(&release.to_string());
            }
        }
        Ok(Some(text))
    }

    /// The whole package as one string (the command line and tests).
    pub async fn collect(
        mut self,
        db: &impl ConnectionTrait,
        uri: &str,
    ) -> Result<String, AppError> {
        let mut out = self.start(uri);
        while let Some(chunk) = self.next_chunk(db).await? {
            out.push_str(&chunk);
        }
        out.push_str(ocds::PACKAGE_END);
        Ok(out)
    }
}

/// Reads an OCDS release package back into packages, through the same checks and writing as the
/// spreadsheet import: for each ocid the latest release with a tender (and the latest with an
/// award) wins; the buyer is matched to a unit by its identifier (a unit code), else by name.
/// A "row" of the report is the position of the release in the package (from 1).
pub async fn import<C>(
    db: &C,
    actor: &crate::services::accounts::Actor,
    bytes: &[u8],
    options: crate::services::imports::ImportOptions,
) -> Result<crate::services::imports::ImportReport, AppError>
where
    C: ConnectionTrait + sea_orm::TransactionTrait,
{
    use serde_json::Value;
    let invalid = |message: String| AppError::Rule {
        code: "invalid_ocds",
        message,
    };
    let doc: Value = serde_json::from_slice(bytes)
        .map_err(|e| invalid(format!("Tệp không phải JSON hợp lệ: {e}")))?;
    let releases = doc
        .get("releases")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            invalid("Không phải gói phát hành OCDS: thiếu mảng «releases»".to_owned())
        })?;

    // The latest tender and award release of each ocid, in the order ocids first appear.
    let mut order: Vec<String> = Vec::new();
    let mut tenders: HashMap<String, (usize, &Value)> = HashMap::new();
    let mut awards: HashMap<String, &Value> = HashMap::new();
    let date = |r: &Value| {
        r.get("date")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    for (i, r) in releases.iter().enumerate() {
        let Some(ocid) = r.get("ocid").and_then(Value::as_str) else {
            continue;
        };
        if !tenders.contains_key(ocid) && !order.iter().any(|o| o == ocid) {
            order.push(ocid.to_owned());
        }
        if r.get("tender").is_some()
            && tenders
                .get(ocid)
                .is_none_or(|(_, old)| date(old) <= date(r))
        {
            tenders.insert(ocid.to_owned(), (i + 1, r));
        }
        if r.get("awards").is_some() && awards.get(ocid).is_none_or(|old| date(old) <= date(r)) {
            awards.insert(ocid.to_owned(), r);
        }
    }

    let units = unit::Entity::find().all(db).await?;
    let fold = crate::domain::text::fold;
    let unit_code = |buyer: &Value| -> Option<String> {
        let id = buyer.get("id").and_then(Value::as_str).unwrap_or("");
        let name = buyer.get("name").and_then(Value::as_str).unwrap_or("");
        units
            .iter()
            .find(|u| u.code == id)
            .or_else(|| units.iter().find(|u| fold(&u.name) == fold(name)))
            .map(|u| u.code.clone())
    };
    let headers: Vec<String> = [
        "unit_code",
        "name",
        "code",
        "plan_year",
        "planned_start_month",
        "field",
        "method",
        "procedure",
        "international",
        "package_price_vnd",
        "online",
        "online_exempt_reason",
        "status",
        "result_date",
        "winning_price_vnd",
        "contractor_name",
    ]
    .map(str::to_owned)
    .to_vec();
    let mut sheet = crate::import::Sheet {
        headers,
        rows: Vec::new(),
    };
    let mut unmatched: HashMap<usize, String> = HashMap::new();
    for ocid in &order {
        let Some((line, r)) = tenders.get(ocid) else {
            continue;
        };
        let t = &r["tender"];
        let s = |v: &Value| v.as_str().unwrap_or("").to_owned();
        let buyer = r.get("buyer").unwrap_or(&t["procuringEntity"]);
        let unit = unit_code(buyer).unwrap_or_else(|| {
            unmatched.insert(
                *line,
                format!(
                    "Không có đơn vị nào khớp bên mời thầu (id «{}», tên «{}»)",
                    s(&buyer["id"]),
                    s(&buyer["name"])
                ),
            );
            s(&buyer["id"])
        });
        let code = Some(s(&t["id"])).filter(|c| !c.is_empty() && !c.starts_with("bidtrack-"));
        let start = t["tenderPeriod"]["startDate"]
            .as_str()
            .and_then(ocds::year_of);
        let end = t["tenderPeriod"]["endDate"]
            .as_str()
            .and_then(ocds::year_of);
        let (year, month) = match (start, end) {
            (Some((y, 1, 1)), Some((ye, 12, 31))) if y == ye => (y.to_string(), String::new()),
            (Some((y, m, _)), _) => (y.to_string(), m.to_string()),
            _ => (
                date(r).get(..4).unwrap_or_default().to_owned(),
                String::new(),
            ),
        };
        let main = s(&t["mainProcurementCategory"]);
        let extra: Vec<String> = t["additionalProcurementCategories"]
            .as_array()
            .map(|a| a.iter().map(s).collect())
            .unwrap_or_default();
        let field = match (
            main.as_str(),
            extra.iter().any(|c| c == "consultingServices"),
        ) {
            ("goods", _) => "goods",
            ("works", _) => "works",
            ("services", true) => "consulting",
            ("services", false) => "non_consulting",
            _ if extra.iter().any(|c| c == "goods") && extra.iter().any(|c| c == "works") => {
                "mixed"
            }
            _ => "",
        };
        let method = match s(&t["procurementMethodDetails"]) {
            d if crate::import::parse_method(&d).is_some() => d,
            _ => match s(&t["procurementMethod"]).as_str() {
                "open" => "open_bidding",
                "selective" => "limited_bidding",
                "limited" => "special_case",
                "direct" => "direct_appointment",
                _ => "",
            }
            .to_owned(),
        };
        let details = s(&t["submissionMethodDetails"]);
        let part = |label: &str| {
            details
                .split("; ")
                .find_map(|p| p.strip_prefix(label))
                .unwrap_or("")
                .to_owned()
        };
        let online = t["submissionMethod"]
            .as_array()
            .is_some_and(|a| a.iter().any(|m| m == "electronicSubmission"));
        let award = awards
            .get(ocid)
            .and_then(|a| a["awards"].as_array()?.first());
        let status = match s(&t["status"]).as_str() {
            "planned" | "planning" => "planned",
            "active" => "notice_published",
            "complete" if award.is_some() => "awarded",
            "complete" => "under_evaluation",
            _ => "cancelled",
        };
        let (result_date, winning, contractor) = match award {
            Some(a) if status == "awarded" => (
                a["date"]
                    .as_str()
                    .and_then(|d| d.get(..10))
                    .unwrap_or("")
                    .to_owned(),
                a["value"]["amount"]
                    .as_i64()
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
                a["suppliers"][0]["name"].as_str().unwrap_or("").to_owned(),
            ),
            _ => Default::default(),
        };
        sheet.rows.push((
            *line,
            vec![
                unit,
                s(&t["title"]),
                code.unwrap_or_default(),
                year,
                month,
                field.to_owned(),
                method,
                part("Phương thức: "),
                if t["eligibilityCriteria"] == ocds::INTERNATIONAL {
                    "true"
                } else {
                    "false"
                }
                .to_owned(),
                t["value"]["amount"]
                    .as_i64()
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
                online.to_string(),
                part("Lý do không qua mạng: "),
                status.to_owned(),
                result_date,
                winning,
                contractor,
            ],
        ));
    }
    let mut report =
        crate::services::imports::import_packages(db, actor, sheet, options, &|_| {}).await?;
    for e in &mut report.errors {
        if e.column == "unit_code"
            && let Some(message) = unmatched.get(&e.row)
        {
            e.message = message.clone();
        }
    }
    Ok(report)
}
