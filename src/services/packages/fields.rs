//! A package command (`NewPackage`) field by field, through the field table: the values the
//! audit trail records, the package page shows and a form starts from, and a form's raw text
//! read into the same command the API deserializes.

use super::NewPackage;
use crate::domain::fields::package::PackageField;
use crate::error::FieldError;
use entity::package;
use serde_json::{Map, Value, json};

impl NewPackage {
    /// One field's value as the API writes it. Both the table and the struct are matched
    /// exhaustively: a field added to either and not the other does not compile.
    pub fn value(&self, f: PackageField) -> Value {
        let NewPackage {
            unit_id,
            name,
            plan_id,
            code,
            notice_version,
            notice_date,
            bid_closing_at,
            procuring_entity,
            plan_code,
            plan_year,
            planned_start_month,
            planned_start_quarter,
            field,
            method,
            procedure,
            international,
            package_price_vnd,
            funding_source,
            contract_type,
            online,
            online_exempt_reason,
            status,
            result_date,
            winning_price_vnd,
            contractor_name,
            bidder_count,
            award_decision_no,
            contractor_tax_code,
            contract_duration_days,
            cancellation_decision_no,
            cancellation_reason,
            notes,
        } = self;
        use PackageField as F;
        match f {
            F::UnitId => json!(unit_id),
            F::Name => json!(name),
            F::PlanId => json!(plan_id),
            F::Code => json!(code),
            F::NoticeVersion => json!(notice_version),
            F::NoticeDate => json!(notice_date),
            F::BidClosingAt => json!(bid_closing_at),
            F::ProcuringEntity => json!(procuring_entity),
            F::BidderCount => json!(bidder_count),
            F::AwardDecisionNo => json!(award_decision_no),
            F::ContractorTaxCode => json!(contractor_tax_code),
            F::ContractDurationDays => json!(contract_duration_days),
            F::CancellationDecisionNo => json!(cancellation_decision_no),
            F::CancellationReason => json!(cancellation_reason),
            F::PlanCode => json!(plan_code),
            F::PlanYear => json!(plan_year),
            F::PlannedStartMonth => json!(planned_start_month),
            F::PlannedStartQuarter => json!(planned_start_quarter),
            F::Field => json!(field),
            F::Method => json!(method),
            F::Procedure => json!(procedure),
            F::International => json!(international),
            F::PackagePrice => json!(package_price_vnd),
            F::FundingSource => json!(funding_source),
            F::ContractType => json!(contract_type),
            F::Online => json!(online),
            F::OnlineExemptReason => json!(online_exempt_reason),
            F::Status => json!(status),
            F::ResultDate => json!(result_date),
            F::WinningPrice => json!(winning_price_vnd),
            F::ContractorName => json!(contractor_name),
            F::Notes => json!(notes),
        }
    }

    /// Every field with its value, in table order.
    pub fn values(&self) -> impl Iterator<Item = (PackageField, Value)> + '_ {
        PackageField::ALL.iter().map(|f| (*f, self.value(*f)))
    }

    /// A form's fields, each as typed (`raw` gives the text of a field; a missing one is
    /// empty), read into the command the API would have received: one message per field that
    /// is missing or does not read, in table order.
    pub fn read<'a>(raw: impl Fn(PackageField) -> &'a str) -> Result<NewPackage, Vec<FieldError>> {
        crate::services::read_form(
            PackageField::ALL.iter().map(|f| (f.spec(), raw(*f))),
            Map::new(),
        )
    }
}

impl NewPackage {
    /// Takes `other`'s value of one field (an import keeps the stored values of the columns
    /// its file does not carry). Exhaustive, like `value`.
    pub fn take(&mut self, other: &NewPackage, f: PackageField) {
        use PackageField as F;
        match f {
            F::UnitId => self.unit_id = other.unit_id,
            F::Name => self.name.clone_from(&other.name),
            F::PlanId => self.plan_id = other.plan_id,
            F::Code => self.code.clone_from(&other.code),
            F::NoticeVersion => self.notice_version = other.notice_version,
            F::NoticeDate => self.notice_date = other.notice_date,
            F::BidClosingAt => self.bid_closing_at = other.bid_closing_at,
            F::ProcuringEntity => self.procuring_entity.clone_from(&other.procuring_entity),
            F::BidderCount => self.bidder_count = other.bidder_count,
            F::AwardDecisionNo => self.award_decision_no.clone_from(&other.award_decision_no),
            F::ContractorTaxCode => self
                .contractor_tax_code
                .clone_from(&other.contractor_tax_code),
            F::ContractDurationDays => self.contract_duration_days = other.contract_duration_days,
            F::CancellationDecisionNo => self
                .cancellation_decision_no
                .clone_from(&other.cancellation_decision_no),
            F::CancellationReason => self
                .cancellation_reason
                .clone_from(&other.cancellation_reason),
            F::PlanCode => self.plan_code.clone_from(&other.plan_code),
            F::PlanYear => self.plan_year = other.plan_year,
            F::PlannedStartMonth => self.planned_start_month = other.planned_start_month,
            F::PlannedStartQuarter => self.planned_start_quarter = other.planned_start_quarter,
            F::FundingSource => self.funding_source.clone_from(&other.funding_source),
            F::Field => self.field = other.field,
            F::Method => self.method = other.method,
            F::Procedure => self.procedure = other.procedure,
            F::ContractType => self.contract_type = other.contract_type,
            F::International => self.international = other.international,
            F::PackagePrice => self.package_price_vnd = other.package_price_vnd,
            F::Online => self.online = other.online,
            F::OnlineExemptReason => self.online_exempt_reason = other.online_exempt_reason,
            F::Status => self.status = other.status,
            F::ResultDate => self.result_date = other.result_date,
            F::WinningPrice => self.winning_price_vnd = other.winning_price_vnd,
            F::ContractorName => self.contractor_name.clone_from(&other.contractor_name),
            F::Notes => self.notes.clone_from(&other.notes),
        }
    }
}

/// The fields the audit trail records (the derived search text and the version are not news).
pub fn snapshot(p: &package::Model) -> crate::services::audit::Snapshot {
    let input = NewPackage::from_model(p);
    crate::services::audit::Snapshot::of(
        PackageField::ALL
            .iter()
            .map(|f| (f.wire(), input.value(*f))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fields::Kind;
    use entity::{Field, Method, PackageStatus};

    fn sample() -> NewPackage {
        NewPackage {
            unit_id: 7,
            name: "Gói A".to_owned(),
            plan_id: Some(3),
            code: Some("IB1900012345".to_owned()),
            notice_version: Some(1),
            notice_date: chrono::NaiveDate::from_ymd_opt(2019, 4, 2),
            bid_closing_at: crate::domain::fields::parse_date_time("2019-04-12T09:30:00+07:00"),
            procuring_entity: Some("Ban QLDA".to_owned()),
            plan_code: None,
            plan_year: 2019,
            planned_start_month: None,
            planned_start_quarter: Some(2),
            field: Field::Goods,
            method: Method::CompetitiveOffers,
            procedure: None,
            international: false,
            package_price_vnd: 1_200_000_000,
            funding_source: None,
            contract_type: None,
            online: true,
            online_exempt_reason: None,
            status: PackageStatus::Awarded,
            result_date: chrono::NaiveDate::from_ymd_opt(2019, 5, 2),
            winning_price_vnd: Some(1_100_000_000),
            contractor_name: Some("Công ty B".to_owned()),
            bidder_count: Some(4),
            award_decision_no: Some("12/QĐ-UBND".to_owned()),
            contractor_tax_code: Some("0100109106-001".to_owned()),
            contract_duration_days: Some(120),
            cancellation_decision_no: None,
            cancellation_reason: Some("Lý do".to_owned()),
            notes: Some("dòng 1\ndòng 2".to_owned()),
        }
    }

    /// The table and the command agree: every field of the command's JSON is in the table, in
    /// the same kind, and a command written out as a form reads back unchanged.
    #[test]
    fn table_and_command_agree() {
        let p = sample();
        let Value::Object(json) = serde_json::to_value(&p).expect("serialize") else {
            panic!("an object")
        };
        let wires: Vec<&str> = PackageField::ALL.iter().map(|f| f.wire()).collect();
        let mut keys: Vec<&str> = json.keys().map(String::as_str).collect();
        keys.sort_unstable();
        let mut sorted = wires.clone();
        sorted.sort_unstable();
        assert_eq!(keys, sorted);
        for (f, v) in p.values() {
            assert_eq!(json[f.wire()], v, "{f:?}");
        }
        let raws: Vec<(PackageField, String)> =
            p.values().map(|(f, v)| (f, f.spec().raw(&v))).collect();
        let back = NewPackage::read(|f| {
            raws.iter()
                .find(|(g, _)| *g == f)
                .map_or("", |(_, r)| r.as_str())
        })
        .expect("reads back");
        assert_eq!(back, p);

        // Taking every field of another package makes this one that package.
        let mut other = NewPackage::read(|_| "")
            .err()
            .map(|_| sample())
            .expect("sample");
        other.name = "Gói khác".to_owned();
        other.notes = None;
        let mut taken = p.clone();
        for f in PackageField::ALL {
            taken.take(&other, *f);
        }
        assert_eq!(taken, other);
    }

    #[test]
    fn a_form_missing_everything_names_each_required_field() {
        let errors = NewPackage::read(|_| "").expect_err("nothing typed");
        let named: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        let required: Vec<&str> = PackageField::ALL
            .iter()
            .filter(|f| f.spec().required && f.kind() != Kind::Bool)
            .map(|f| f.wire())
            .collect();
        assert_eq!(named, required);
    }
}
