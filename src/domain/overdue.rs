//! Overdue selection (issue 19): a package still waiting for its notice after its planned start
//! has passed ("Quá hạn tổ chức lựa chọn nhà thầu").
//!
//! The planned start period is the month when known, else the quarter, else the whole plan
//! year. A package is overdue when its status is `planned` and today (the date in Vietnam) is
//! after the last day of that period.
//!
//! Every such period ends on the last day of a month, so "after its last day" is "in a later
//! month than its last month": a comparison of month keys (`year * 100 + month`), which the
//! register's SQL filter (`db::packages`) makes with the same integers on both engines.

use super::regime::{MonthKey, month_key};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entity::PackageStatus;

/// The flag an overdue package carries, in the register and on its page.
pub const LABEL_VI: &str = "Quá hạn tổ chức lựa chọn nhà thầu";

/// Why a package is overdue, in one line: "Kế hoạch bắt đầu 08/2019, chưa đăng thông báo mời
/// thầu" (a quarter as "Quý III/2019", a year alone as "năm 2019").
pub fn explanation_vi(plan_year: i32, month: Option<i16>, quarter: Option<i16>) -> String {
    let start = match (month, quarter) {
        // The short form writes a year alone as "–" beside a year column; here it stands alone.
        (None, None) => format!("năm {plan_year}"),
        _ => super::fields::package::planned_start_vi(plan_year, month, quarter),
    };
    format!("Kế hoạch bắt đầu {start}, chưa đăng thông báo mời thầu")
}

/// The last month of a package's planned start period, as a month key: the month, else the
/// quarter's third month, else December of the plan year. A month wins over a quarter, as
/// everywhere else, should a row carry both.
pub fn period_end_key(plan_year: i32, month: Option<i16>, quarter: Option<i16>) -> MonthKey {
    let last = month.or(quarter.map(|q| q * 3)).unwrap_or(12);
    plan_year * 100 + i32::from(last)
}

/// Whether a package is overdue on `today` (see the module's definition): `planned`, and today
/// falls in a month after the last month of its planned start period.
pub fn is_overdue(
    status: PackageStatus,
    plan_year: i32,
    month: Option<i16>,
    quarter: Option<i16>,
    today: NaiveDate,
) -> bool {
    status == PackageStatus::Planned && today_key(today) > period_end_key(plan_year, month, quarter)
}

/// The month key of a date, as the SQL filter receives it.
pub fn today_key(today: NaiveDate) -> MonthKey {
    month_key(today.year(), today.month())
}

/// The calendar date in Vietnam (UTC+07:00) at an instant: the officers' "today", which runs
/// seven hours ahead of UTC's.
pub fn vietnam_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&super::VIETNAM).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("a date")
    }

    fn planned(y: i32, m: Option<i16>, q: Option<i16>, today: NaiveDate) -> bool {
        is_overdue(PackageStatus::Planned, y, m, q, today)
    }

    #[test]
    fn a_month_is_overdue_from_the_first_day_of_the_next_month() {
        let aug = Some(8);
        assert!(!planned(2019, aug, None, d(2019, 8, 1)));
        assert!(!planned(2019, aug, None, d(2019, 8, 31)), "its last day");
        assert!(planned(2019, aug, None, d(2019, 9, 1)), "the next day");
        assert!(!planned(2019, aug, None, d(2019, 7, 31)));
        // February's last day, in a leap year and not.
        assert!(!planned(2024, Some(2), None, d(2024, 2, 29)));
        assert!(planned(2024, Some(2), None, d(2024, 3, 1)));
        assert!(!planned(2023, Some(2), None, d(2023, 2, 28)));
        assert!(planned(2023, Some(2), None, d(2023, 3, 1)));
    }

    #[test]
    fn december_rolls_into_the_next_year() {
        assert!(!planned(2019, Some(12), None, d(2019, 12, 31)));
        assert!(planned(2019, Some(12), None, d(2020, 1, 1)));
        // A later plan year is never overdue in an earlier one, whatever the months.
        assert!(!planned(2020, Some(1), None, d(2019, 12, 31)));
        assert!(planned(2019, Some(1), None, d(2020, 1, 1)));
    }

    #[test]
    fn a_quarter_ends_with_its_third_month() {
        let cases = [
            (1, d(2019, 3, 31), d(2019, 4, 1)),
            (2, d(2019, 6, 30), d(2019, 7, 1)),
            (3, d(2019, 9, 30), d(2019, 10, 1)),
            (4, d(2019, 12, 31), d(2020, 1, 1)),
        ];
        for (q, last, next) in cases {
            assert!(!planned(2019, None, Some(q), last), "Q{q} on {last}");
            assert!(planned(2019, None, Some(q), next), "Q{q} on {next}");
        }
        // Inside the quarter, past its first month: not yet.
        assert!(!planned(2019, None, Some(2), d(2019, 5, 15)));
    }

    #[test]
    fn a_year_alone_runs_to_its_last_day() {
        assert!(!planned(2019, None, None, d(2019, 1, 1)));
        assert!(!planned(2019, None, None, d(2019, 12, 31)));
        assert!(planned(2019, None, None, d(2020, 1, 1)));
    }

    #[test]
    fn only_planned_packages_are_overdue() {
        let long_after = d(2030, 1, 1);
        for status in PackageStatus::ALL {
            assert_eq!(
                is_overdue(*status, 2019, Some(8), None, long_after),
                *status == PackageStatus::Planned,
                "{status:?}"
            );
        }
    }

    #[test]
    fn the_explanation_names_the_planned_start() {
        assert_eq!(
            explanation_vi(2019, Some(8), None),
            "Kế hoạch bắt đầu 08/2019, chưa đăng thông báo mời thầu"
        );
        assert_eq!(
            explanation_vi(2019, None, Some(3)),
            "Kế hoạch bắt đầu Quý III/2019, chưa đăng thông báo mời thầu"
        );
        assert_eq!(
            explanation_vi(2019, None, None),
            "Kế hoạch bắt đầu năm 2019, chưa đăng thông báo mời thầu"
        );
    }

    #[test]
    fn a_month_wins_over_a_quarter() {
        assert_eq!(period_end_key(2019, Some(1), Some(4)), 201901);
        assert_eq!(period_end_key(2019, None, Some(4)), 201912);
        assert_eq!(period_end_key(2019, None, None), 201912);
    }

    /// The month-key comparison against the definition read literally: today after the last
    /// day of the period, that day found with calendar arithmetic.
    #[test]
    fn month_keys_agree_with_the_last_day_of_the_period() {
        fn last_day(y: i32, m: Option<i16>, q: Option<i16>) -> NaiveDate {
            let month = m.unwrap_or_else(|| q.map_or(12, |q| q * 3)) as u32;
            let first_of_next = if month == 12 {
                d(y + 1, 1, 1)
            } else {
                d(y, month + 1, 1)
            };
            first_of_next.pred_opt().expect("a day before")
        }
        let mut periods = vec![(None, None)];
        periods.extend((1..=12).map(|m| (Some(m), None)));
        periods.extend((1..=4).map(|q| (None, Some(q))));
        let mut today = d(2018, 12, 1);
        while today <= d(2020, 2, 1) {
            for (m, q) in &periods {
                assert_eq!(
                    planned(2019, *m, *q, today),
                    today > last_day(2019, *m, *q),
                    "{m:?} {q:?} on {today}"
                );
            }
            today = today.succ_opt().expect("a next day");
        }
    }

    #[test]
    fn today_in_vietnam_turns_at_five_pm_utc() {
        let at = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .expect("an instant")
                .with_timezone(&Utc)
        };
        assert_eq!(vietnam_date(at("2019-08-31T16:59:59Z")), d(2019, 8, 31));
        assert_eq!(vietnam_date(at("2019-08-31T17:00:00Z")), d(2019, 9, 1));
        assert_eq!(vietnam_date(at("2019-12-31T17:00:00Z")), d(2020, 1, 1));
    }
}
