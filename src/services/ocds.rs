//! Exporting packages as an OCDS 1.1 release package, chunk by chunk (a large export never sits
//! in memory whole).

use super::accounts::Actor;
use super::imports::{self, ImportOptions, ImportReport};
use super::packages::{self, Export, PackageFilter};
use crate::error::AppError;
use crate::import::{Bounds, FileError, Record, Sheet};
use crate::ocds::{self, Publication};
use entity::unit;
use sea_orm::{ConnectionTrait, EntityTrait};
use serde::Deserialize;
use std::collections::HashMap;

pub struct OcdsExport {
    publication: Publication,
    units: HashMap<i64, unit::Model>,
    export: Export,
    first: bool,
}

/// Opens an export of the packages `filter` selects.
pub async fn open(
    db: &(impl ConnectionTrait + sea_orm::StreamTrait),
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
        let projects = projects_of(db, &views).await?;
        let mut text = String::new();
        for v in views {
            let Some(buyer) = self.units.get(&v.package.unit_id) else {
                continue;
            };
            let mut releases = ocds::releases(&self.publication, &v.package, buyer);
            if let Some(project) = v.package.plan_id.and_then(|plan| projects.get(&plan)) {
                ocds::with_planning(&mut releases, project);
            }
            for release in releases {
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

/// The projects of these packages' plans, by plan id: one query for the plans and one for
/// their projects per chunk of packages.
async fn projects_of(
    db: &impl ConnectionTrait,
    views: &[packages::PackageView],
) -> Result<HashMap<i64, entity::project::Model>, AppError> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let mut plan_ids: Vec<i64> = views.iter().filter_map(|v| v.package.plan_id).collect();
    plan_ids.sort_unstable();
    plan_ids.dedup();
    let plans = packages::plan_refs(db, &plan_ids).await?;
    let mut project_ids: Vec<i64> = plans.iter().map(|p| p.project_id).collect();
    project_ids.sort_unstable();
    project_ids.dedup();
    let projects: HashMap<i64, entity::project::Model> = entity::project::Entity::find()
        .filter(entity::project::Column::Id.is_in(project_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|j| (j.id, j))
        .collect();
    Ok(plans
        .into_iter()
        .filter_map(|p| projects.get(&p.project_id).map(|j| (p.id, j.clone())))
        .collect())
}

/// Reads an OCDS release package back into packages, through the same checks and writing as the
/// spreadsheet import: for each ocid the latest release with a tender (and the latest with an
/// award) wins; the buyer is matched to a unit by its identifier (a unit code), else by name.
/// A "row" of the report is the position of the release in the package (from 1).
///
/// The document is read on a blocking thread as a stream of releases: only the fields the import
/// uses are kept, and only the latest release of each ocid, so memory follows the packages, not
/// the releases; ocids are counted against the import's row bound.
pub async fn import<C>(
    db: &C,
    actor: &Actor,
    bytes: impl AsRef<[u8]> + Send + 'static,
    bounds: Bounds,
    options: ImportOptions,
) -> Result<ImportReport, AppError>
where
    C: ConnectionTrait + sea_orm::TransactionTrait,
{
    imports::require_import(actor)?;
    let units = unit::Entity::find().all(db).await?;
    let (sheet, unmatched) =
        tokio::task::spawn_blocking(move || read(bytes.as_ref(), &bounds, &units))
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("OCDS reader failed: {e}")))??;
    let mut report = imports::import_packages(db, actor, sheet, options, &|_| {}).await?;
    for e in &mut report.errors {
        if e.column == "unit_code"
            && let Some(message) = unmatched.get(&e.row)
        {
            e.message = message.clone();
        }
    }
    Ok(report)
}

/// A release package as the rows of a spreadsheet import, and the rows whose buyer matched no
/// unit (with the message saying so). CPU work without I/O (the fuzz target calls it).
pub fn read(
    bytes: &[u8],
    bounds: &Bounds,
    units: &[unit::Model],
) -> Result<(Sheet, HashMap<usize, String>), AppError> {
    let latest = read_releases(bytes, bounds)?;
    Ok(to_sheet(&latest, units))
}

/// What the import reads of a release; every other field is skipped unread.
#[derive(Debug, Default, Deserialize)]
struct Release {
    ocid: Option<String>,
    date: Option<String>,
    buyer: Option<Party>,
    /// Read for the supplier's identifier only, then dropped (see [`Latest::add`]).
    parties: Option<Vec<Party>>,
    tender: Option<Box<Tender>>,
    awards: Option<Vec<Award>>,
}

/// An organization or a reference to one (the reference's `identifier` is deprecated in 1.1
/// but still written by some publishers).
#[derive(Debug, Default, Deserialize)]
struct Party {
    id: Option<String>,
    name: Option<String>,
    identifier: Option<Identifier>,
}

#[derive(Debug, Default, Deserialize)]
struct Identifier {
    scheme: Option<String>,
    /// A string or an integer in OCDS.
    id: Option<serde_json::Value>,
}

impl Party {
    /// The tax code this party is identified by, as bidtrack stores it.
    fn tax_code(&self) -> Option<String> {
        let identifier = self.identifier.as_ref()?;
        if identifier.scheme.as_deref() != Some(ocds::TAX_SCHEME) {
            return None;
        }
        let id = match identifier.id.as_ref()? {
            serde_json::Value::String(s) => s.trim().to_owned(),
            serde_json::Value::Number(n) => n.to_string(),
            _ => return None,
        };
        // org-id.guide describes a branch's code as 13 digits; the tax authority (and
        // bidtrack) writes the parent's 10, `-`, and the branch's 3.
        if id.len() == 13 && id.bytes().all(|b| b.is_ascii_digit()) {
            return Some(format!("{}-{}", &id[..10], &id[10..]));
        }
        Some(id).filter(|id| !id.is_empty())
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Tender {
    id: Option<String>,
    title: Option<String>,
    status: Option<String>,
    tender_period: Option<Period>,
    main_procurement_category: Option<String>,
    additional_procurement_categories: Option<Vec<String>>,
    procurement_method: Option<String>,
    procurement_method_details: Option<String>,
    submission_method: Option<Vec<String>>,
    submission_method_details: Option<String>,
    eligibility_criteria: Option<String>,
    value: Option<Value>,
    procuring_entity: Option<Party>,
    number_of_tenderers: Option<serde_json::Number>,
    milestones: Option<Vec<Milestone>>,
    documents: Option<Vec<Document>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Period {
    start_date: Option<String>,
    end_date: Option<String>,
    duration_in_days: Option<serde_json::Number>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Milestone {
    code: Option<String>,
    due_date: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    /// A string or an integer in OCDS.
    id: Option<serde_json::Value>,
    document_type: Option<String>,
    title: Option<String>,
    description: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Value {
    amount: Option<serde_json::Number>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Award {
    title: Option<String>,
    date: Option<String>,
    value: Option<Value>,
    suppliers: Option<Vec<Party>>,
    contract_period: Option<Period>,
    /// The first supplier's tax code, found among the release's parties when the award is read.
    #[serde(skip)]
    tax_code: Option<String>,
}

/// The latest tender and award release of each ocid, in the order ocids first appear.
#[derive(Default)]
struct Latest {
    order: Vec<String>,
    by_ocid: HashMap<String, Versions>,
    releases: usize,
    bounds: Bounds,
    over: Option<FileError>,
}

#[derive(Default)]
struct Versions {
    /// The release's position in the package (from 1) and the release (without its awards).
    tender: Option<(usize, Release)>,
    /// The latest award release's date and its first award.
    award: Option<(String, Option<Award>)>,
}

impl Latest {
    fn add(&mut self, mut r: Release) -> Result<(), FileError> {
        self.releases += 1;
        let position = self.releases;
        // Releases that add nothing new still cost parsing: bounded too.
        if self.releases > self.bounds.rows.saturating_mul(10) {
            return Err(FileError::TooManyRows {
                limit: self.bounds.rows,
            });
        }
        let Some(ocid) = r.ocid.clone() else {
            return Ok(());
        };
        if !self.by_ocid.contains_key(&ocid) {
            if self.order.len() >= self.bounds.rows {
                return Err(FileError::TooManyRows {
                    limit: self.bounds.rows,
                });
            }
            self.order.push(ocid.clone());
        }
        let versions = self.by_ocid.entry(ocid).or_default();
        let date = r.date.as_deref().unwrap_or("");
        // The parties matter only for the supplier's identifier: not kept past this release.
        let parties = r.parties.take().unwrap_or_default();
        // Only the first award is read; the rest of an award release is not kept.
        if let Some(awards) = r.awards.take()
            && versions
                .award
                .as_ref()
                .is_none_or(|(old, _)| old.as_str() <= date)
        {
            let mut first = awards.into_iter().next();
            if let Some(a) = &mut first {
                a.tax_code = a
                    .suppliers
                    .as_deref()
                    .and_then(|s| s.first())
                    .and_then(|s| {
                        s.tax_code().or_else(|| {
                            parties
                                .iter()
                                .find(|p| p.id.is_some() && p.id == s.id)
                                .and_then(Party::tax_code)
                        })
                    });
            }
            versions.award = Some((date.to_owned(), first));
        }
        if r.tender.is_some()
            && versions
                .tender
                .as_ref()
                .is_none_or(|(_, old)| old.date.as_deref().unwrap_or("") <= date)
        {
            versions.tender = Some((position, r));
        }
        Ok(())
    }
}

/// Reads the package's `releases` as a stream into [`Latest`]; other members are skipped.
fn read_releases(bytes: &[u8], bounds: &Bounds) -> Result<Latest, AppError> {
    use serde::de::DeserializeSeed;
    let invalid = |message: String| AppError::Rule {
        code: "invalid_ocds",
        message,
    };
    let mut latest = Latest {
        bounds: *bounds,
        ..Latest::default()
    };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let found = PackageSeed(&mut latest)
        .deserialize(&mut de)
        .and_then(|found| {
            de.end()?;
            Ok(found)
        });
    if let Some(over) = latest.over.take() {
        return Err(imports::file_error(over));
    }
    match found {
        Ok(true) => Ok(latest),
        Ok(false) => Err(invalid(
            "Không phải gói phát hành OCDS: thiếu mảng «releases»".to_owned(),
        )),
        // serde's own words are English and name its grammar: say where, in Vietnamese.
        Err(e) => Err(invalid(format!(
            "Tệp không phải JSON hợp lệ (lỗi ở dòng {}, cột {})",
            e.line(),
            e.column()
        ))),
    }
}

struct PackageSeed<'a>(&'a mut Latest);

impl<'de> serde::de::DeserializeSeed<'de> for PackageSeed<'_> {
    type Value = bool;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for PackageSeed<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an OCDS release package (an object with `releases`)")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "releases" && !found {
                map.next_value_seed(ReleasesSeed(&mut *self.0))?;
                found = true;
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

struct ReleasesSeed<'a>(&'a mut Latest);

impl<'de> serde::de::DeserializeSeed<'de> for ReleasesSeed<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> serde::de::Visitor<'de> for ReleasesSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of releases")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        use serde::de::Error;
        while let Some(release) = seq.next_element::<Release>()? {
            if let Err(over) = self.0.add(release) {
                let message = over.to_string();
                self.0.over = Some(over);
                return Err(A::Error::custom(message));
            }
        }
        Ok(())
    }
}

/// The releases as the rows of a spreadsheet import, and the rows whose buyer matched no unit
/// (with the message saying so).
fn to_sheet(latest: &Latest, units: &[unit::Model]) -> (Sheet, HashMap<usize, String>) {
    let fold = crate::domain::text::fold;
    let mut by_id: HashMap<&str, &str> = HashMap::new();
    let mut by_name: HashMap<String, &str> = HashMap::new();
    for u in units {
        by_id.entry(u.code.as_str()).or_insert(&u.code);
        by_name.entry(fold(&u.name)).or_insert(&u.code);
    }
    let headers: Vec<String> = [
        "unit_code",
        "name",
        "code",
        "plan_year",
        "planned_start_month",
        "planned_start_quarter",
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
        "notice_version",
        "notice_date",
        "bid_closing_at",
        "procuring_entity",
        "bidder_count",
        "award_decision_no",
        "contractor_tax_code",
        "contract_duration_days",
        "cancellation_decision_no",
        "cancellation_reason",
    ]
    .map(str::to_owned)
    .to_vec();
    let mut sheet = Sheet {
        headers,
        rows: Vec::with_capacity(latest.order.len()),
        ..Sheet::default()
    };
    let mut unmatched: HashMap<usize, String> = HashMap::new();
    let text = |s: &Option<String>| s.clone().unwrap_or_default();
    let amount = |v: &Option<Value>| {
        v.as_ref()
            .and_then(|v| v.amount.as_ref()?.as_i64())
            .map(|a| a.to_string())
            .unwrap_or_default()
    };
    // A count as written, so that one that is not a whole number is refused by the import
    // with the field's name rather than dropped.
    let count = |n: Option<&serde_json::Number>| n.map(|n| n.to_string()).unwrap_or_default();
    let day = |d: Option<&str>| {
        d.and_then(ocds::vn_date)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default()
    };
    for ocid in &latest.order {
        let Some(versions) = latest.by_ocid.get(ocid) else {
            continue;
        };
        let Some((line, r)) = &versions.tender else {
            continue;
        };
        let Some(t) = r.tender.as_deref() else {
            continue;
        };
        let no_party = Party::default();
        let buyer = r
            .buyer
            .as_ref()
            .or(t.procuring_entity.as_ref())
            .unwrap_or(&no_party);
        let (id, name) = (text(&buyer.id), text(&buyer.name));
        let unit = match by_id.get(id.as_str()).or_else(|| by_name.get(&fold(&name))) {
            Some(code) => (*code).to_owned(),
            None => {
                unmatched.insert(
                    *line,
                    format!("Không có đơn vị nào khớp bên mời thầu (id «{id}», tên «{name}»)"),
                );
                id
            }
        };
        let code =
            t.id.clone()
                .filter(|c| !c.is_empty() && !c.starts_with("bidtrack-"));
        let milestones: &[Milestone] = t.milestones.as_deref().unwrap_or(&[]);
        let milestone = |code: &str| milestones.iter().find(|m| m.code.as_deref() == Some(code));
        let period = t.tender_period.as_ref();
        let date_of = |d: fn(&Period) -> &Option<String>| period.and_then(|p| d(p).as_deref());
        // Without a date to say it, the year is the release's.
        let release_year = || {
            let year = r
                .date
                .as_deref()
                .and_then(|d| d.get(..4))
                .unwrap_or_default();
            (year.to_owned(), String::new(), String::new())
        };
        // With a planned-start milestone the tender period is the notice's (posting day, bid
        // closing time) and the plan's start is the milestone; without one, the period is the
        // plan's: a month, a quarter or the whole year (ocds::tender_period).
        let planned = [
            ocds::PLANNED_START_MONTH,
            ocds::PLANNED_START_QUARTER,
            ocds::PLANNED_START_YEAR,
        ]
        .into_iter()
        .find_map(|c| Some((c, milestone(c)?)));
        let (notice_date, bid_closing) = match planned {
            Some(_) => (
                day(date_of(|p| &p.start_date)),
                date_of(|p| &p.end_date).unwrap_or_default().to_owned(),
            ),
            None => Default::default(),
        };
        let (year, month, quarter) = match planned {
            Some((kind, m)) => match m.due_date.as_deref().and_then(ocds::year_of) {
                Some((y, m, _)) if kind == ocds::PLANNED_START_MONTH => {
                    (y.to_string(), m.to_string(), String::new())
                }
                Some((y, m, _)) if kind == ocds::PLANNED_START_QUARTER => {
                    (y.to_string(), String::new(), m.div_ceil(3).to_string())
                }
                Some((y, _, _)) => (y.to_string(), String::new(), String::new()),
                None => release_year(),
            },
            None => match (
                date_of(|p| &p.start_date).and_then(ocds::year_of),
                date_of(|p| &p.end_date).and_then(ocds::year_of),
            ) {
                (Some((y, 1, 1)), Some((ye, 12, 31))) if y == ye => {
                    (y.to_string(), String::new(), String::new())
                }
                (Some((y, m, 1)), Some((ye, me, de)))
                    if y == ye && m % 3 == 1 && me == m + 2 && de >= 30 =>
                {
                    (y.to_string(), String::new(), (m / 3 + 1).to_string())
                }
                (Some((y, m, _)), _) => (y.to_string(), m.to_string(), String::new()),
                _ => release_year(),
            },
        };
        let documents: &[Document] = t.documents.as_deref().unwrap_or(&[]);
        let document = |kind: &str| {
            documents
                .iter()
                .find(|d| d.document_type.as_deref() == Some(kind))
        };
        // The notice document's id is the tender's id and the version (ocds::documents).
        let notice_version =
            t.id.as_deref()
                .zip(document("tenderNotice").and_then(|d| d.id.as_ref()?.as_str()))
                .and_then(|(id, doc)| doc.strip_prefix(id)?.strip_prefix('-'))
                .filter(|v| v.len() == 2 && v.bytes().all(|b| b.is_ascii_digit()))
                .unwrap_or_default()
                .to_owned();
        let cancellation = document("cancellationDetails");
        let cancellation_decision = cancellation
            .and_then(|d| {
                d.title
                    .as_deref()?
                    .strip_prefix(ocds::CANCELLATION_DECISION)
            })
            .unwrap_or_default()
            .to_owned();
        let cancellation_reason = cancellation
            .map(|d| text(&d.description))
            .unwrap_or_default();
        // The bên mời thầu is kept when it is not the buyer (the unit).
        let procuring_entity = match (&r.buyer, &t.procuring_entity) {
            (Some(b), Some(pe)) if pe.id != b.id || (pe.id.is_none() && pe.name != b.name) => {
                text(&pe.name)
            }
            _ => String::new(),
        };
        let main = text(&t.main_procurement_category);
        let extra: &[String] = t
            .additional_procurement_categories
            .as_deref()
            .unwrap_or(&[]);
        let has = |c: &str| extra.iter().any(|e| e == c);
        let field = match (main.as_str(), has("consultingServices")) {
            ("goods", _) => "goods",
            ("works", _) => "works",
            ("services", true) => "consulting",
            ("services", false) => "non_consulting",
            _ if has("goods") && has("works") => "mixed",
            _ => "",
        };
        let method = match text(&t.procurement_method_details) {
            d if crate::import::parse_method(&d).is_some() => d,
            _ => match t.procurement_method.as_deref().unwrap_or("") {
                "open" => "open_bidding",
                "selective" => "limited_bidding",
                "limited" => "special_case",
                "direct" => "direct_appointment",
                _ => "",
            }
            .to_owned(),
        };
        let details = text(&t.submission_method_details);
        let part = |label: &str| {
            details
                .split("; ")
                .find_map(|p| p.strip_prefix(label))
                .unwrap_or("")
                .to_owned()
        };
        let online = t
            .submission_method
            .as_deref()
            .is_some_and(|m| m.iter().any(|m| m == "electronicSubmission"));
        let award = versions.award.as_ref().and_then(|(_, a)| a.as_ref());
        let status = match t.status.as_deref().unwrap_or("") {
            "planned" | "planning" => "planned",
            "active" if milestone(ocds::EVALUATION).is_some() => "under_evaluation",
            "active" => "notice_published",
            "complete" if award.is_some() => "awarded",
            "complete" => "under_evaluation",
            _ => "cancelled",
        };
        // An award is read whatever the status: a result recorded before a cancellation
        // travels with it (ocds::has_award).
        let (result_date, winning, contractor, award_decision, tax_code, duration) = match award {
            Some(a) => (
                day(a.date.as_deref()),
                amount(&a.value),
                a.suppliers
                    .as_deref()
                    .and_then(|s| s.first())
                    .map(|p| text(&p.name))
                    .unwrap_or_default(),
                a.title
                    .as_deref()
                    .and_then(|t| t.strip_prefix(ocds::AWARD_DECISION))
                    .unwrap_or_default()
                    .to_owned(),
                a.tax_code.clone().unwrap_or_default(),
                count(
                    a.contract_period
                        .as_ref()
                        .and_then(|p| p.duration_in_days.as_ref()),
                ),
            ),
            None => Default::default(),
        };
        let international = t.eligibility_criteria.as_deref() == Some(ocds::INTERNATIONAL);
        sheet.rows.push(Record::from_cells(
            *line,
            [
                unit,
                text(&t.title),
                code.unwrap_or_default(),
                year,
                month,
                quarter,
                field.to_owned(),
                method,
                part("Phương thức: "),
                international.to_string(),
                amount(&t.value),
                online.to_string(),
                part("Lý do không qua mạng: "),
                status.to_owned(),
                result_date,
                winning,
                contractor,
                notice_version,
                notice_date,
                bid_closing,
                procuring_entity,
                count(t.number_of_tenderers.as_ref()),
                award_decision,
                tax_code,
                duration,
                cancellation_decision,
                cancellation_reason,
            ],
        ));
    }
    (sheet, unmatched)
}
