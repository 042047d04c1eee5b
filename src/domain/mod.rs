//! Pure domain rules: regimes and small-scale thresholds, target scope, the compliance
//! arithmetic, package validity, money. No axum, no database, no I/O; table-tested beside the code.
//! The persisted enums come from `entity`, which is data only.

pub mod compliance;
pub mod fields;
pub mod history;
pub mod identifiers;
pub mod lifecycle;
pub mod money;
pub mod overdue;
pub mod package_rules;
pub mod regime;
pub mod scope;
pub mod target;
pub mod text;
pub mod unit_validity;

/// Vietnam's time zone: UTC+07:00 all year (no daylight saving), so a fixed offset is exact.
pub const VIETNAM: chrono::FixedOffset = match chrono::FixedOffset::east_opt(7 * 3600) {
    Some(tz) => tz,
    // Evaluated at compile time: an offset chrono refused would fail the build, not a request.
    None => panic!("UTC+07:00 is a valid offset"),
};

/// Plan years the service accepts. Public procurement under the laws modelled here starts in
/// 2014; older years are allowed for historical plans, far-future years are typing mistakes.
pub const PLAN_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// Whether a date a user enters (a selection result, a unit's validity) lies in the plan years:
/// 2000-01-01 to 2100-12-31. A date far outside them is a typing mistake, and years before 1 or
/// after 9999 cannot be written in the OCDS export's ISO dates.
pub fn date_in_plan_years(date: chrono::NaiveDate) -> bool {
    use chrono::Datelike;
    PLAN_YEARS.contains(&date.year())
}

/// The message for a date outside [`date_in_plan_years`], after the field's label.
pub fn date_range_message(label: &str) -> String {
    format!(
        "{label} phải trong khoảng 01/01/{} – 31/12/{}",
        PLAN_YEARS.start(),
        PLAN_YEARS.end()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn dates_within_the_plan_years() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).expect("a date");
        let cases = [
            (d(-1, 1, 1), false),
            (d(1999, 12, 31), false),
            (d(2000, 1, 1), true),
            (d(2019, 6, 30), true),
            (d(2100, 12, 31), true),
            (d(2101, 1, 1), false),
            (d(10_000, 1, 1), false),
        ];
        for (date, expected) in cases {
            assert_eq!(date_in_plan_years(date), expected, "{date}");
        }
        assert_eq!(
            date_range_message("Ngày phê duyệt kết quả"),
            "Ngày phê duyệt kết quả phải trong khoảng 01/01/2000 – 31/12/2100"
        );
    }
}
