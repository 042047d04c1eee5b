//! The fields of a contractor selection plan (kế hoạch lựa chọn nhà thầu, KHLCNT) and of an
//! adjustment to it (điều chỉnh KHLCNT), and the rule on their decision dates: a decision
//! recorded has been taken, so its date is not after today.

use super::{Kind, Spec, field_table};
use crate::domain::{date_in_plan_years, date_range_message};
use chrono::NaiveDate;

const PLAN: &str = "Kế hoạch lựa chọn nhà thầu";
const DECISION: &str = "Quyết định phê duyệt";
const ADJUSTMENT: &str = "Điều chỉnh kế hoạch";

field_table! {
    /// A field of a selection plan (its wire name is the API's). The project a plan belongs to
    /// is not one: it is fixed when the plan is recorded.
    PlanField {
        Code => Spec::new("code", "Số KHLCNT trên VNEPS", "Số KHLCNT", Kind::Code, PLAN)
            .help("Ví dụ PL1900001234; để trống nếu kế hoạch chưa đăng tải"),
        Name => Spec::new("name", "Tên kế hoạch lựa chọn nhà thầu", "Tên KHLCNT", Kind::Text, PLAN)
            .required(),
        Year => Spec::new("year", "Năm kế hoạch", "Năm kế hoạch", Kind::Year, PLAN).required(),
        DecisionNo => Spec::new(
            "decision_no",
            "Số quyết định phê duyệt",
            "Số QĐ phê duyệt",
            Kind::Text,
            DECISION,
        )
        .help("Ví dụ 1234/QĐ-UBND"),
        DecisionDate => Spec::new(
            "decision_date",
            "Ngày phê duyệt",
            "Ngày phê duyệt",
            Kind::Date,
            DECISION,
        ),
        Approver => Spec::new(
            "approver",
            "Cơ quan phê duyệt",
            "Cơ quan phê duyệt",
            Kind::Text,
            DECISION,
        )
        .help("Ví dụ UBND quận Hà Đông"),
    }
}

field_table! {
    /// A field of an adjustment to an approved plan (its wire name is the API's).
    AdjustmentField {
        DecisionNo => Spec::new(
            "decision_no",
            "Số quyết định điều chỉnh",
            "Số QĐ điều chỉnh",
            Kind::Text,
            ADJUSTMENT,
        )
        .required()
        .help("Ví dụ 2345/QĐ-UBND"),
        DecisionDate => Spec::new(
            "decision_date",
            "Ngày quyết định điều chỉnh",
            "Ngày điều chỉnh",
            Kind::Date,
            ADJUSTMENT,
        )
        .required(),
        Reason => Spec::new("reason", "Lý do điều chỉnh", "Lý do", Kind::LongText, ADJUSTMENT)
            .required(),
    }
}

/// Why a decision date cannot be recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateProblem {
    /// After `today` (in Vietnam): a decision not yet taken is not part of the record.
    Future { today: NaiveDate },
    /// Outside the plan years (before 2000, a typing mistake).
    OutOfRange,
}

impl DateProblem {
    pub fn code(self) -> &'static str {
        match self {
            DateProblem::Future { .. } => "future",
            DateProblem::OutOfRange => "range",
        }
    }

    /// The message about the field called `label`.
    pub fn message_vi(self, label: &str) -> String {
        match self {
            DateProblem::Future { today } => format!(
                "{label} không được sau hôm nay ({}): chỉ ghi quyết định đã ban hành",
                today.format("%d/%m/%Y")
            ),
            DateProblem::OutOfRange => date_range_message(label),
        }
    }
}

/// A decision date is in the plan years and not after `today` (the date in Vietnam, given by
/// the caller: the domain reads no clock).
pub fn check_decision_date(date: NaiveDate, today: NaiveDate) -> Result<(), DateProblem> {
    if date > today {
        Err(DateProblem::Future { today })
    } else if !date_in_plan_years(date) {
        Err(DateProblem::OutOfRange)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("a date")
    }

    #[test]
    fn decision_dates_are_taken_decisions() {
        let today = d(2026, 3, 15);
        let cases = [
            (d(2026, 3, 15), Ok(())),
            (d(2026, 3, 14), Ok(())),
            (d(2000, 1, 1), Ok(())),
            (d(2026, 3, 16), Err(DateProblem::Future { today })),
            (d(2100, 1, 1), Err(DateProblem::Future { today })),
            (d(1999, 12, 31), Err(DateProblem::OutOfRange)),
        ];
        for (date, expected) in cases {
            assert_eq!(check_decision_date(date, today), expected, "{date}");
        }
        assert_eq!(
            DateProblem::Future { today }.message_vi("Ngày phê duyệt"),
            "Ngày phê duyệt không được sau hôm nay (15/03/2026): chỉ ghi quyết định đã ban hành"
        );
        assert_eq!(
            DateProblem::OutOfRange.message_vi("Ngày phê duyệt"),
            "Ngày phê duyệt phải trong khoảng 01/01/2000 – 31/12/2100"
        );
    }

    #[test]
    fn each_table_names_each_field_once() {
        fn unique(specs: Vec<&Spec>) {
            for words in [
                specs.iter().map(|s| s.wire).collect::<Vec<_>>(),
                specs.iter().map(|s| s.label).collect(),
                specs.iter().map(|s| s.short).collect(),
            ] {
                let mut sorted = words.clone();
                sorted.sort_unstable();
                sorted.dedup();
                assert_eq!(sorted.len(), words.len(), "{words:?}");
            }
        }
        unique(PlanField::ALL.iter().map(|f| f.spec()).collect());
        unique(AdjustmentField::ALL.iter().map(|f| f.spec()).collect());
        for f in PlanField::ALL {
            assert_eq!(PlanField::from_wire(f.wire()), Some(*f));
        }
    }
}
