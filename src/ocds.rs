//! OCDS 1.1 (Open Contracting Data Standard) release packages, mapped as domain.md §9 says: a
//! `planning`/`tender`/`tenderCancellation` release per package, and an `award` release when it
//! holds anything of an award. Only closed-codelist codes; no empty strings, arrays or objects;
//! dates with the Vietnamese offset (+07:00); amounts in VND as numbers.
//!
//! The procurement record (domain.md §10) where OCDS 1.1 has a field for it: the notice's
//! posting date and bid closing time as the tender period, the number of bidders, the
//! procuring entity and the winner as parties, the result's date, price and contract duration
//! on the award. Where it has none, in words or codes `services::ocds` reads back: the notice
//! version in the notice document's id, the award decision in the award's title, the
//! cancellation in a `cancellationDetails` document (1.1 has no `tender.statusDetails`), the
//! planned start and the evaluation as tender milestones.

use crate::domain::VIETNAM;
use crate::domain::fields::package::planned_start_vi;
use crate::domain::identifiers::notice_code_with_version;
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
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

/// A local time of Vietnam (how the bid closing time is stored) with its offset.
fn local(t: NaiveDateTime) -> Option<String> {
    t.and_local_timezone(VIETNAM)
        .single()
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, false))
}

/// The org-id.guide list of Vietnam's tax identification numbers (mã số thuế: 10 digits, a
/// branch's 10 + `-` + 3, <https://org-id.guide/list/VN-TIN>). OCDS takes identifier schemes
/// from org-id.guide; the list is not part of the schema, so it is not among the vendored
/// codelists. An individual's 12-digit citizen id serves as their tax code (domain.md §10), so it
/// is written under the same scheme.
pub const TAX_SCHEME: &str = "VN-TIN";

/// The award's title before the decision number approving the selection result.
pub const AWARD_DECISION: &str = "Quyết định phê duyệt kết quả lựa chọn nhà thầu số ";
/// The cancellation document's title before the cancellation decision's number.
pub const CANCELLATION_DECISION: &str = "Quyết định hủy thầu số ";
const CANCELLATION_UNNUMBERED: &str = "Hủy thầu";
/// `tender.documents[].id` of the cancellation (a notice's id is its upper-case number).
const CANCELLATION_DOCUMENT: &str = "cancellation";

/// Milestone codes: the plan's start of the selection (a month, a quarter or only the year,
/// `dueDate` its first day), written when the tender period holds the notice's own dates; and
/// the evaluation under way (1.1 tells an open tender from one being evaluated nowhere else).
pub const PLANNED_START_MONTH: &str = "plannedStartMonth";
pub const PLANNED_START_QUARTER: &str = "plannedStartQuarter";
pub const PLANNED_START_YEAR: &str = "plannedStartYear";
pub const EVALUATION: &str = "bidEvaluation";

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

/// Whether the tender period holds the notice's dates (posting, bid closing) rather than the
/// plan's: the planned start then travels as a milestone.
fn noticed(p: &package::Model) -> bool {
    p.notice_date.is_some() || p.bid_closing_at.is_some()
}

/// The tender period: from the notice's posting (its day, 00:00 in Vietnam) to the bid closing
/// time, the period OCDS means (submissions open); before a notice, the plan's: the planned
/// start month or quarter, or the whole plan year when neither is set.
fn tender_period(p: &package::Model) -> Option<Value> {
    if noticed(p) {
        let mut period = Map::new();
        if let Some(d) = p.notice_date {
            period.insert("startDate".into(), json!(day(d)));
        }
        if let Some(t) = p.bid_closing_at.and_then(local) {
            period.insert("endDate".into(), json!(t));
        }
        return (!period.is_empty()).then_some(Value::Object(period));
    }
    planned_period(p)
}

fn planned_period(p: &package::Model) -> Option<Value> {
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

/// The tender's milestones: the plan's start when the tender period is the notice's, the
/// evaluation while it runs.
fn milestones(p: &package::Model) -> Vec<Value> {
    let mut out = Vec::new();
    if noticed(p) {
        let (code, month) = match (p.planned_start_month, p.planned_start_quarter) {
            (Some(m), _) => (PLANNED_START_MONTH, u32::try_from(m).ok()),
            (None, Some(q)) => (PLANNED_START_QUARTER, u32::try_from(q * 3 - 2).ok()),
            (None, None) => (PLANNED_START_YEAR, Some(1)),
        };
        if let Some(first) = month.and_then(|m| NaiveDate::from_ymd_opt(p.plan_year, m, 1)) {
            let when = match code {
                PLANNED_START_YEAR => p.plan_year.to_string(),
                _ => planned_start_vi(p.plan_year, p.planned_start_month, p.planned_start_quarter),
            };
            out.push(json!({
                "id": "plannedStart",
                "title": format!("Thời gian bắt đầu tổ chức lựa chọn nhà thầu theo kế hoạch: {when}"),
                "type": "preProcurement",
                "code": code,
                "dueDate": day(first),
            }));
        }
    }
    if p.status == PackageStatus::UnderEvaluation {
        out.push(json!({
            "id": "evaluation",
            "title": "Đang đánh giá hồ sơ dự thầu",
            "type": "assessment",
            "code": EVALUATION,
        }));
    }
    out
}

/// The tender's documents: the notice, its id the notice number with its `-NN` version (the
/// ocid and `tender.id` keep the number alone, the same for every version); the cancellation,
/// its decision in the title and its reason as the description.
fn documents(p: &package::Model, tender_id: &str) -> Vec<Value> {
    let mut out = Vec::new();
    if p.code.is_some() || p.notice_version.is_some() {
        let id = notice_code_with_version(tender_id, p.notice_version);
        let title = match (&p.code, p.notice_version) {
            (Some(_), _) => format!("Thông báo mời thầu số {id}"),
            (None, Some(v)) => format!("Thông báo mời thầu, phiên bản {v:02}"),
            (None, None) => "Thông báo mời thầu".to_owned(),
        };
        out.push(
            json!({"id": id, "documentType": "tenderNotice", "title": title, "language": "vi"}),
        );
    }
    if p.cancellation_decision_no.is_some() || p.cancellation_reason.is_some() {
        let mut doc = Map::new();
        doc.insert("id".into(), json!(CANCELLATION_DOCUMENT));
        doc.insert("documentType".into(), json!("cancellationDetails"));
        doc.insert(
            "title".into(),
            json!(match &p.cancellation_decision_no {
                Some(no) => format!("{CANCELLATION_DECISION}{no}"),
                None => CANCELLATION_UNNUMBERED.to_owned(),
            }),
        );
        if let Some(reason) = &p.cancellation_reason {
            doc.insert("description".into(), json!(reason));
        }
        doc.insert("language".into(), json!("vi"));
        out.push(Value::Object(doc));
    }
    out
}

/// Whether the package holds anything of an award (a result recorded before a cancellation,
/// or before the status moved, travels too).
fn has_award(p: &package::Model) -> bool {
    p.status == PackageStatus::Awarded
        || p.result_date.is_some()
        || p.winning_price_vnd.is_some()
        || p.contractor_name.is_some()
        || p.contractor_tax_code.is_some()
        || p.award_decision_no.is_some()
        || p.contract_duration_days.is_some()
}

/// The winner as a party: identified by its tax code when known (the party's id is then the
/// org-id form, scheme and code, the same for every package it wins).
fn supplier(p: &package::Model, ocid: &str) -> Option<Value> {
    if p.contractor_name.is_none() && p.contractor_tax_code.is_none() {
        return None;
    }
    let mut party = Map::new();
    let id = match &p.contractor_tax_code {
        Some(tax) => format!("{TAX_SCHEME}-{tax}"),
        None => format!("{ocid}-supplier"),
    };
    party.insert("id".into(), json!(id));
    if let Some(name) = &p.contractor_name {
        party.insert("name".into(), json!(name));
    }
    if let Some(tax) = &p.contractor_tax_code {
        party.insert(
            "identifier".into(),
            json!({"scheme": TAX_SCHEME, "id": tax}),
        );
    }
    Some(Value::Object(party))
}

/// The award: its status follows the package's (in force when awarded, cancelled with the
/// package, else proposed), its date the result's approval.
fn award(p: &package::Model, ocid: &str, supplier: Option<&Value>) -> Value {
    let mut award = Map::new();
    award.insert("id".into(), json!(format!("{ocid}-award")));
    if let Some(no) = &p.award_decision_no {
        award.insert("title".into(), json!(format!("{AWARD_DECISION}{no}")));
    }
    let status = match p.status {
        PackageStatus::Awarded => "active",
        PackageStatus::Cancelled => "cancelled",
        _ => "pending",
    };
    award.insert("status".into(), json!(status));
    if let Some(d) = p.result_date {
        award.insert("date".into(), json!(day(d)));
    }
    if let Some(v) = p.winning_price_vnd {
        award.insert("value".into(), json!({"amount": v, "currency": "VND"}));
    }
    if let Some(s) = supplier {
        let mut reference = Map::new();
        for key in ["id", "name"] {
            if let Some(v) = s.get(key) {
                reference.insert(key.into(), v.clone());
            }
        }
        award.insert("suppliers".into(), json!([reference]));
    }
    if let Some(days) = p.contract_duration_days {
        award.insert("contractPeriod".into(), json!({"durationInDays": days}));
    }
    Value::Object(award)
}

/// The releases of one package: its tender (or planning, or cancellation) release, then its
/// award release when it holds anything of an award.
pub fn releases(publication: &Publication, p: &package::Model, buyer: &unit::Model) -> Vec<Value> {
    let ocid = ocid(publication, p);
    let tender_id = p
        .code
        .clone()
        .unwrap_or_else(|| format!("bidtrack-{}", p.id));
    let buyer_ref = json!({"id": buyer.code, "name": buyer.name});
    // The bên mời thầu, when it is not the unit, is a party of its own; it has no identifier
    // (only a name), so its id is the process's.
    let procuring = p
        .procuring_entity
        .as_ref()
        .map(|name| json!({"id": format!("{ocid}-procuringEntity"), "name": name}));
    // The same roles in every release of the ocid: a compiled record keeps the latest.
    let buyer_party = match procuring {
        Some(_) => party(buyer, &["buyer"]),
        None => party(buyer, &["buyer", "procuringEntity"]),
    };
    let (main, additional) = categories(p.field);
    let mut tender = Map::new();
    tender.insert("id".into(), json!(tender_id));
    tender.insert("title".into(), json!(p.name));
    tender.insert("status".into(), json!(tender_status(p.status)));
    tender.insert(
        "procuringEntity".into(),
        procuring.clone().unwrap_or_else(|| buyer_ref.clone()),
    );
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
    if let Some(n) = p.bidder_count {
        tender.insert("numberOfTenderers".into(), json!(n));
    }
    let milestones = milestones(p);
    if !milestones.is_empty() {
        tender.insert("milestones".into(), json!(milestones));
    }
    let documents = documents(p, &tender_id);
    if !documents.is_empty() {
        tender.insert("documents".into(), json!(documents));
    }
    let tag = match p.status {
        PackageStatus::Planned => "planning",
        PackageStatus::Cancelled => "tenderCancellation",
        _ => "tender",
    };
    let mut parties = vec![buyer_party.clone()];
    if let Some(pe) = &procuring {
        let mut pe = pe.clone();
        pe["roles"] = json!(["procuringEntity"]);
        parties.push(pe);
    }
    let mut out = vec![json!({
        "ocid": ocid,
        "id": format!("{ocid}-tender-{}", p.version),
        "date": timestamp(p.updated_at),
        "tag": [tag],
        "initiationType": "tender",
        "language": "vi",
        "parties": parties,
        "buyer": buyer_ref,
        "tender": tender,
    })];
    if has_award(p) {
        let supplier = supplier(p, &ocid);
        let date = p.result_date.map_or_else(|| timestamp(p.updated_at), day);
        let mut parties = vec![buyer_party];
        if let Some(s) = &supplier {
            let mut s = s.clone();
            s["roles"] = json!(["supplier"]);
            parties.push(s);
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
            "awards": [award(p, &ocid, supplier.as_ref())],
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
    let d = vn_date(date)?;
    Some((d.year(), d.month(), d.day()))
}

/// The day an OCDS date falls on in Vietnam (`2019-03-04T17:00:00Z` is 5 March there); a
/// date without a time or offset is taken as written.
pub fn vn_date(date: &str) -> Option<NaiveDate> {
    match DateTime::parse_from_rfc3339(date) {
        Ok(t) => Some(t.with_timezone(&VIETNAM).date_naive()),
        Err(_) => NaiveDate::parse_from_str(date.get(..10)?, "%Y-%m-%d").ok(),
    }
}
