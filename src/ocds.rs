//! OCDS 1.1 (Open Contracting Data Standard) release packages, mapped as domain.md §9 says: a
//! `planning`/`tender`/`tenderCancellation` release per package, and an `award` release when it
//! is awarded. Only closed-codelist codes; no empty strings, arrays or objects; dates with the
//! Vietnamese offset (+07:00); amounts in VND as numbers.

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Utc};
use entity::{Field, Method, PackageStatus, package, project, unit};
use serde_json::{Map, Value, json};

/// Who publishes and how ocids are made.
#[derive(Debug, Clone)]
pub struct Publication {
    /// The publisher's registered prefix; each ocid is the prefix, `-` and the package.
    pub ocid_prefix: OcidPrefix,
    pub publisher: String,
}

impl Default for Publication {
    fn default() -> Self {
        Publication {
            ocid_prefix: OcidPrefix::default(),
            publisher: "bidtrack".to_owned(),
        }
    }
}

impl Default for OcidPrefix {
    fn default() -> Self {
        OcidPrefix(PLACEHOLDER_OCID_PREFIX.to_owned())
    }
}

/// Well-formed but registered to nobody: exports made with it validate, yet must not be
/// published (the README says how to get a real prefix). `x` never appears in the random
/// prefixes the Open Contracting Partnership assigns only by accident, and reads as "fill in".
pub const PLACEHOLDER_OCID_PREFIX: &str = "ocds-xxxxxx";

/// An ocid prefix as OCDS defines it: `ocds-` and six lowercase letters or digits, assigned by
/// the Open Contracting Partnership and listed in its prefix register. Strict validators
/// (and the data registry) refuse any other form, so a malformed one is refused at start,
/// before any release is written with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OcidPrefix(String);

impl OcidPrefix {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Still the placeholder: fine for trying bidtrack, wrong for publishing.
    pub fn is_placeholder(&self) -> bool {
        self.0 == PLACEHOLDER_OCID_PREFIX
    }
}

impl std::fmt::Display for OcidPrefix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for OcidPrefix {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let well_formed = s.strip_prefix("ocds-").is_some_and(|id| {
            id.len() == 6
                && id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
        if well_formed {
            Ok(OcidPrefix(s.to_owned()))
        } else {
            Err(format!(
                "{s:?} is not an OCDS ocid prefix: BIDTRACK_OCID_PREFIX must be `ocds-` and six \
                 lowercase letters or digits (such as ocds-a1b2c3), the prefix the Open \
                 Contracting Partnership registered for the publisher (see the README, OCDS 1.1)"
            ))
        }
    }
}

pub fn timestamp(at: DateTime<Utc>) -> String {
    at.with_timezone(&crate::domain::VIETNAM)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

fn day(d: NaiveDate) -> String {
    format!("{}T00:00:00+07:00", d.format("%Y-%m-%d"))
}

/// The OCDS procurement method (closed codelist `method`).
pub fn method(m: Method) -> &'static str {
    use Method::*;
    match m {
        OpenBidding | CompetitiveOffers | OnlinePriceOffer | OnlineShopping => "open",
        LimitedBidding => "selective",
        PriceNegotiation | SpecialCase => "limited",
        DirectAppointment
        | DirectProcurement
        | SelfPerformance
        | CommunityParticipation
        | Ordering => "direct",
    }
}

/// `mainProcurementCategory` (closed `procurementCategory`) and the additional categories (open
/// `extendedProcurementCategory`) that keep consulting and mixed packages apart.
fn categories(f: Field) -> (Option<&'static str>, &'static [&'static str]) {
    match f {
        Field::Goods => (Some("goods"), &[]),
        Field::Works => (Some("works"), &[]),
        Field::Consulting => (Some("services"), &["consultingServices"]),
        Field::NonConsulting => (Some("services"), &[]),
        Field::Mixed => (None, &["goods", "works"]),
    }
}

/// `tender.status` (closed `tenderStatus`).
fn tender_status(s: PackageStatus) -> &'static str {
    match s {
        PackageStatus::Planned => "planned",
        PackageStatus::NoticePublished | PackageStatus::UnderEvaluation => "active",
        PackageStatus::Awarded => "complete",
        PackageStatus::Cancelled => "cancelled",
    }
}

pub fn ocid(publication: &Publication, p: &package::Model) -> String {
    match &p.code {
        Some(code) => format!("{}-{code}", publication.ocid_prefix),
        None => format!("{}-bidtrack-{}", publication.ocid_prefix, p.id),
    }
}

fn party(u: &unit::Model, roles: &[&str]) -> Value {
    json!({"id": u.code, "name": u.name, "roles": roles})
}

/// The tender period: the planned start month or quarter, or the whole plan year when neither
/// is set.
fn tender_period(p: &package::Model) -> Option<Value> {
    let (first, months) = match (p.planned_start_month, p.planned_start_quarter) {
        (Some(m), _) => (u32::try_from(m).ok()?, 1),
        (None, Some(q)) => (u32::try_from(q * 3 - 2).ok()?, 3),
        (None, None) => (1, 12),
    };
    let start = NaiveDate::from_ymd_opt(p.plan_year, first, 1)?;
    let end = start
        .checked_add_months(chrono::Months::new(months))?
        .pred_opt()?;
    Some(json!({"startDate": day(start), "endDate": day(end)}))
}

/// Words for what OCDS has no code for; read back by the import.
fn details(p: &package::Model) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(proc) = p.procedure {
        parts.push(format!("Phương thức: {}", proc.label_vi()));
    }
    if let Some(reason) = p.online_exempt_reason {
        parts.push(format!("Lý do không qua mạng: {}", reason.label_vi()));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

pub const INTERNATIONAL: &str = crate::domain::fields::package::PackageField::International.label();

/// The releases of one package: its tender (or planning, or cancellation) release, then its
/// award release when awarded.
pub fn releases(publication: &Publication, p: &package::Model, buyer: &unit::Model) -> Vec<Value> {
    let ocid = ocid(publication, p);
    let buyer_ref = json!({"id": buyer.code, "name": buyer.name});
    let (main, additional) = categories(p.field);
    let mut tender = Map::new();
    tender.insert(
        "id".into(),
        json!(
            p.code
                .clone()
                .unwrap_or_else(|| format!("bidtrack-{}", p.id))
        ),
    );
    tender.insert("title".into(), json!(p.name));
    tender.insert("status".into(), json!(tender_status(p.status)));
    tender.insert("procuringEntity".into(), buyer_ref.clone());
    tender.insert(
        "value".into(),
        json!({"amount": p.package_price_vnd, "currency": "VND"}),
    );
    tender.insert("procurementMethod".into(), json!(method(p.method)));
    tender.insert(
        "procurementMethodDetails".into(),
        json!(p.method.label_vi()),
    );
    if let Some(main) = main {
        tender.insert("mainProcurementCategory".into(), json!(main));
    }
    if !additional.is_empty() {
        tender.insert("additionalProcurementCategories".into(), json!(additional));
    }
    tender.insert(
        "submissionMethod".into(),
        json!([if p.online {
            "electronicSubmission"
        } else {
            "written"
        }]),
    );
    if let Some(d) = details(p) {
        tender.insert("submissionMethodDetails".into(), json!(d));
    }
    if p.international {
        tender.insert("eligibilityCriteria".into(), json!(INTERNATIONAL));
    }
    if let Some(period) = tender_period(p) {
        tender.insert("tenderPeriod".into(), period);
    }
    let tag = match p.status {
        PackageStatus::Planned => "planning",
        PackageStatus::Cancelled => "tenderCancellation",
        _ => "tender",
    };
    let mut out = vec![json!({
        "ocid": ocid,
        "id": format!("{ocid}-tender-{}", p.version),
        "date": timestamp(p.updated_at),
        "tag": [tag],
        "initiationType": "tender",
        "language": "vi",
        "parties": [party(buyer, &["buyer", "procuringEntity"])],
        "buyer": buyer_ref,
        "tender": tender,
    })];
    if p.status == PackageStatus::Awarded {
        let date = p.result_date.map_or_else(|| timestamp(p.updated_at), day);
        let mut award = Map::new();
        award.insert("id".into(), json!(format!("{ocid}-award")));
        award.insert("status".into(), json!("active"));
        award.insert("date".into(), json!(date));
        if let Some(v) = p.winning_price_vnd {
            award.insert("value".into(), json!({"amount": v, "currency": "VND"}));
        }
        let mut parties = vec![party(buyer, &["buyer", "procuringEntity"])];
        if let Some(name) = &p.contractor_name {
            let supplier = json!({"id": format!("{ocid}-supplier"), "name": name});
            award.insert("suppliers".into(), json!([supplier]));
            parties.push(
                json!({"id": format!("{ocid}-supplier"), "name": name, "roles": ["supplier"]}),
            );
        }
        out.push(json!({
            "ocid": ocid,
            "id": format!("{ocid}-award-{}", p.version),
            "date": date,
            "tag": ["award"],
            "initiationType": "tender",
            "language": "vi",
            "parties": parties,
            "buyer": {"id": buyer.code, "name": buyer.name},
            "awards": [award],
        }));
    }
    out
}

/// `planning` of a package procured for `project` (through its selection plan): the budget
/// that funds it. OCDS 1.1 names a project only inside the budget (`planning.project` is an
/// extension's, which the core schema the export is checked against does not define): its
/// title as `project`, its VNEPS code (`PR…`) as `projectID` when it has one, bidtrack's own
/// identifier as the budget's `id`, the kind of capital and the source in the plan's words as
/// `description`, and the total investment or purchase estimate as `amount` when known.
pub fn planning(project: &project::Model) -> Value {
    let mut budget = Map::new();
    budget.insert(
        "id".into(),
        json!(format!("bidtrack-project-{}", project.id)),
    );
    let description = match &project.funding_source {
        Some(source) => format!("{}: {source}", project.funding_kind.label_vi()),
        None => project.funding_kind.label_vi().to_owned(),
    };
    budget.insert("description".into(), json!(description));
    if let Some(total) = project.total_vnd {
        budget.insert("amount".into(), json!({"amount": total, "currency": "VND"}));
    }
    budget.insert("project".into(), json!(project.name));
    if let Some(code) = &project.code {
        budget.insert("projectID".into(), json!(code));
    }
    json!({"budget": budget})
}

/// Adds `planning` to a package's first release (its tender, planning or cancellation
/// release): the award release repeats nothing of it.
pub fn with_planning(releases: &mut [Value], project: &project::Model) {
    if let Some(Value::Object(first)) = releases.first_mut() {
        first.insert("planning".into(), planning(project));
    }
}

/// The package's envelope, up to the releases array (the caller streams the releases, then
/// [`PACKAGE_END`]).
pub fn package_start(publication: &Publication, uri: &str, published: DateTime<Utc>) -> String {
    let head = json!({
        "uri": uri,
        "version": "1.1",
        "publishedDate": timestamp(published),
        "publisher": {"name": publication.publisher},
    });
    let mut text = head.to_string();
    text.pop(); // the closing brace: the releases follow
    text.push_str(",\"releases\":[");
    text
}

pub const PACKAGE_END: &str = "]}";

/// The year a date of the tender period belongs to, for reading a package back.
pub fn year_of(date: &str) -> Option<(i32, u32, u32)> {
    let d = NaiveDate::parse_from_str(date.get(..10)?, "%Y-%m-%d").ok()?;
    Some((d.year(), d.month(), d.day()))
}
