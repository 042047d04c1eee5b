//! Whether a unit exists on a package's dates (domain.md §7). A unit's structure never changes in
//! place: one that was merged, split, moved or renamed ends (`valid_to`) and its successors start
//! the day after. A package belongs to a unit that exists when its selection is planned to start
//! (some day of the planned month, else of the planned quarter, else of the plan year) and on its
//! notice posting and award dates when those are known: a 2026 package of a district that ended
//! on 30 June 2025 is a mistake, and so is a 2024 package of a commune created on 1 July 2025.

use chrono::{Datelike, NaiveDate};

/// The days a unit exists, both ends included; `None` is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl Validity {
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from.is_none_or(|f| f <= day) && self.to.is_none_or(|t| day <= t)
    }

    /// Whether the unit exists on some day of `first..=last`.
    pub fn overlaps(&self, first: NaiveDate, last: NaiveDate) -> bool {
        self.from.is_none_or(|f| f <= last) && self.to.is_none_or(|t| first <= t)
    }

    /// Whether the unit exists on some day of `year`.
    pub fn in_year(&self, year: i32) -> bool {
        match year_window(year) {
            Some((first, last)) => self.overlaps(first, last),
            None => false,
        }
    }
}

/// The dates of a package the rule reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackageDates {
    pub plan_year: i32,
    pub planned_start_month: Option<i16>,
    pub planned_start_quarter: Option<i16>,
    pub notice_date: Option<NaiveDate>,
    pub result_date: Option<NaiveDate>,
}

/// Which of a package's dates falls outside its unit's validity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// The planned start: a month, a quarter or the whole plan year.
    Start {
        year: i32,
        month: Option<i16>,
        quarter: Option<i16>,
    },
    Notice(NaiveDate),
    Award(NaiveDate),
}

impl When {
    fn describe_vi(&self) -> String {
        match self {
            When::Start {
                year,
                month: Some(m),
                ..
            } => format!("thời gian bắt đầu lựa chọn nhà thầu (tháng {m}/{year})"),
            When::Start {
                year,
                quarter: Some(q),
                ..
            } => format!(
                "thời gian bắt đầu lựa chọn nhà thầu (quý {}/{year})",
                super::package_rules::quarter_vi(*q)
            ),
            When::Start { year, .. } => format!("kế hoạch năm {year}"),
            When::Notice(d) => format!("ngày đăng tải thông báo mời thầu ({})", day_vi(*d)),
            When::Award(d) => format!("ngày phê duyệt kết quả ({})", day_vi(*d)),
        }
    }
}

/// How a package's dates miss its unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breach {
    /// The unit ended on `on`, before `when`.
    Ended { on: NaiveDate, when: When },
    /// The unit only exists from `from`, after `when`.
    NotYet { from: NaiveDate, when: When },
}

/// 1 January to 31 December of `year`.
pub fn year_window(year: i32) -> Option<(NaiveDate, NaiveDate)> {
    Some((
        NaiveDate::from_ymd_opt(year, 1, 1)?,
        NaiveDate::from_ymd_opt(year, 12, 31)?,
    ))
}

/// The days of the planned start: the month when given, else the quarter, else the plan year.
/// `None` for a month or quarter out of range (the field checks refuse those with their own
/// message).
pub fn start_window(
    year: i32,
    month: Option<i16>,
    quarter: Option<i16>,
) -> Option<(NaiveDate, NaiveDate)> {
    // Widened first: a quarter typed as 20000 is refused by the field checks, not by overflow.
    let months = match (month.map(i32::from), quarter.map(i32::from)) {
        (Some(m), _) => (m, m),
        (None, Some(q)) => (q * 3 - 2, q * 3),
        (None, None) => return year_window(year),
    };
    let first_month = u32::try_from(months.0)
        .ok()
        .filter(|m| (1..=12).contains(m))?;
    let last_month = u32::try_from(months.1)
        .ok()
        .filter(|m| (1..=12).contains(m))?;
    let first = NaiveDate::from_ymd_opt(year, first_month, 1)?;
    let next = if last_month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, last_month + 1, 1)?
    };
    Some((first, next.pred_opt()?))
}

/// The first of the package's dates its unit does not cover, the planned start first.
pub fn check(unit: Validity, p: &PackageDates) -> Option<Breach> {
    let start = When::Start {
        year: p.plan_year,
        month: p.planned_start_month,
        quarter: p.planned_start_quarter,
    };
    if let Some((first, last)) =
        start_window(p.plan_year, p.planned_start_month, p.planned_start_quarter)
        && !unit.overlaps(first, last)
    {
        return Some(breach(unit, first, start));
    }
    for (day, when) in [
        (p.notice_date, p.notice_date.map(When::Notice)),
        (p.result_date, p.result_date.map(When::Award)),
    ] {
        if let (Some(day), Some(when)) = (day, when)
            && !unit.contains(day)
        {
            return Some(breach(unit, day, when));
        }
    }
    None
}

/// Which end `day` (or a period starting on it) falls outside.
fn breach(unit: Validity, day: NaiveDate, when: When) -> Breach {
    match (unit.from, unit.to) {
        (Some(from), _) if day < from => Breach::NotYet { from, when },
        (_, Some(on)) => Breach::Ended { on, when },
        // A period that starts before `from` and misses the unit ends before `from` too.
        (Some(from), None) => Breach::NotYet { from, when },
        (None, None) => Breach::Ended {
            on: NaiveDate::MAX,
            when,
        },
    }
}

/// 30/06/2025: how the pages write a day.
pub fn day_vi(d: NaiveDate) -> String {
    format!("{:02}/{:02}/{}", d.day(), d.month(), d.year())
}

/// The message beside the unit choice: when the unit ended and who took over, or when it
/// starts. `successors` are «name (code)» of the units that took over.
pub fn message_vi(unit_name: &str, breach: &Breach, successors: &[String]) -> String {
    match breach {
        Breach::Ended { on, when } => {
            let mut m = format!(
                "{unit_name} đã kết thúc ngày {}, trước {}",
                day_vi(*on),
                when.describe_vi()
            );
            if successors.is_empty() {
                m.push_str("; chọn đơn vị đang có hiệu lực");
            } else {
                m.push_str("; đơn vị kế thừa: ");
                m.push_str(&successors.join(", "));
            }
            m
        }
        Breach::NotYet { from, when } => format!(
            "{unit_name} chỉ có hiệu lực từ ngày {}, sau {}",
            day_vi(*from),
            when.describe_vi()
        ),
    }
}

/// The mark a unit picker adds to a unit that ended or began during `year` (it is offered for
/// that year, marked), or `None` when it exists the whole year.
pub fn mark_in_year_vi(unit: Validity, year: i32) -> Option<String> {
    let (first, last) = year_window(year)?;
    match (unit.from, unit.to) {
        (_, Some(to)) if to < last => Some(format!("đã kết thúc {}", day_vi(to))),
        (Some(from), _) if from > first => Some(format!("từ {}", day_vi(from))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("a date")
    }

    fn dates(
        year: i32,
        month: Option<i16>,
        quarter: Option<i16>,
        notice: Option<NaiveDate>,
        result: Option<NaiveDate>,
    ) -> PackageDates {
        PackageDates {
            plan_year: year,
            planned_start_month: month,
            planned_start_quarter: quarter,
            notice_date: notice,
            result_date: result,
        }
    }

    /// Hà Đông district: until 30/06/2025.
    const ENDED: Validity = Validity {
        from: None,
        to: NaiveDate::from_ymd_opt(2025, 6, 30),
    };
    /// A commune of the new tree: from 01/07/2025.
    const NEW: Validity = Validity {
        from: NaiveDate::from_ymd_opt(2025, 7, 1),
        to: None,
    };
    const OPEN: Validity = Validity {
        from: None,
        to: None,
    };
    /// Both ends: 2020-03-15 ..= 2022-10-20.
    const BOUNDED: Validity = Validity {
        from: NaiveDate::from_ymd_opt(2020, 3, 15),
        to: NaiveDate::from_ymd_opt(2022, 10, 20),
    };

    #[test]
    fn windows_of_the_planned_start() {
        assert_eq!(
            start_window(2025, None, None),
            Some((d(2025, 1, 1), d(2025, 12, 31)))
        );
        assert_eq!(
            start_window(2025, Some(6), None),
            Some((d(2025, 6, 1), d(2025, 6, 30)))
        );
        assert_eq!(
            start_window(2024, Some(2), None),
            Some((d(2024, 2, 1), d(2024, 2, 29)))
        );
        assert_eq!(
            start_window(2025, Some(12), None),
            Some((d(2025, 12, 1), d(2025, 12, 31)))
        );
        assert_eq!(
            start_window(2025, None, Some(3)),
            Some((d(2025, 7, 1), d(2025, 9, 30)))
        );
        assert_eq!(
            start_window(2025, None, Some(4)),
            Some((d(2025, 10, 1), d(2025, 12, 31)))
        );
        // A month wins over a quarter (both are refused elsewhere; the rule reads the month).
        assert_eq!(
            start_window(2025, Some(1), Some(3)),
            Some((d(2025, 1, 1), d(2025, 1, 31)))
        );
        assert_eq!(start_window(2025, Some(13), None), None);
        assert_eq!(start_window(2025, Some(0), None), None);
        assert_eq!(start_window(2025, None, Some(5)), None);
        assert_eq!(start_window(2025, None, Some(i16::MAX)), None);
        assert_eq!(start_window(2025, None, Some(i16::MIN)), None);
        assert_eq!(start_window(i32::MAX, Some(12), None), None);
        assert_eq!(year_window(i32::MIN), None);
    }

    #[test]
    fn every_boundary_of_the_rule() {
        use Breach::*;
        let start = |year, month, quarter| When::Start {
            year,
            month,
            quarter,
        };
        let on = d(2025, 6, 30);
        let from = d(2025, 7, 1);
        let cases: Vec<(Validity, PackageDates, Option<Breach>)> = vec![
            // Open at both ends: anything goes.
            (OPEN, dates(2000, None, None, None, None), None),
            (OPEN, dates(2100, Some(12), None, None, None), None),
            // An ended unit: its last year, month and quarter still hold.
            (ENDED, dates(2025, None, None, None, None), None),
            (ENDED, dates(2025, Some(6), None, None, None), None),
            (ENDED, dates(2025, None, Some(2), None, None), None),
            (ENDED, dates(2019, None, None, None, None), None),
            // ...the next ones do not.
            (
                ENDED,
                dates(2025, Some(7), None, None, None),
                Some(Ended {
                    on,
                    when: start(2025, Some(7), None),
                }),
            ),
            (
                ENDED,
                dates(2025, None, Some(3), None, None),
                Some(Ended {
                    on,
                    when: start(2025, None, Some(3)),
                }),
            ),
            (
                ENDED,
                dates(2026, None, None, None, None),
                Some(Ended {
                    on,
                    when: start(2026, None, None),
                }),
            ),
            // The last valid day is a valid notice day; the day after is not.
            (
                ENDED,
                dates(2025, None, None, Some(d(2025, 6, 30)), None),
                None,
            ),
            (
                ENDED,
                dates(2025, None, None, Some(d(2025, 7, 1)), None),
                Some(Ended {
                    on,
                    when: When::Notice(d(2025, 7, 1)),
                }),
            ),
            // A later award date counts too.
            (
                ENDED,
                dates(
                    2025,
                    Some(3),
                    None,
                    Some(d(2025, 4, 2)),
                    Some(d(2025, 8, 1)),
                ),
                Some(Ended {
                    on,
                    when: When::Award(d(2025, 8, 1)),
                }),
            ),
            (
                ENDED,
                dates(
                    2025,
                    Some(3),
                    None,
                    Some(d(2025, 4, 2)),
                    Some(d(2025, 6, 30)),
                ),
                None,
            ),
            // A new unit: its first year, month and quarter hold.
            (NEW, dates(2025, None, None, None, None), None),
            (NEW, dates(2025, Some(7), None, None, None), None),
            (NEW, dates(2025, None, Some(3), None, None), None),
            (NEW, dates(2026, None, None, None, None), None),
            (NEW, dates(2100, None, None, None, None), None),
            (
                NEW,
                dates(2025, Some(6), None, None, None),
                Some(NotYet {
                    from,
                    when: start(2025, Some(6), None),
                }),
            ),
            (
                NEW,
                dates(2025, None, Some(2), None, None),
                Some(NotYet {
                    from,
                    when: start(2025, None, Some(2)),
                }),
            ),
            (
                NEW,
                dates(2024, None, None, None, None),
                Some(NotYet {
                    from,
                    when: start(2024, None, None),
                }),
            ),
            // A year that holds, with a notice before the first day.
            (
                NEW,
                dates(2025, None, None, Some(d(2025, 6, 30)), None),
                Some(NotYet {
                    from,
                    when: When::Notice(d(2025, 6, 30)),
                }),
            ),
            (
                NEW,
                dates(2025, None, None, Some(d(2025, 7, 1)), Some(d(2025, 9, 1))),
                None,
            ),
            // Bounded at both ends.
            (BOUNDED, dates(2020, Some(3), None, None, None), None),
            (
                BOUNDED,
                dates(2020, Some(2), None, None, None),
                Some(NotYet {
                    from: d(2020, 3, 15),
                    when: start(2020, Some(2), None),
                }),
            ),
            (BOUNDED, dates(2022, Some(10), None, None, None), None),
            (
                BOUNDED,
                dates(2022, Some(11), None, None, None),
                Some(Ended {
                    on: d(2022, 10, 20),
                    when: start(2022, Some(11), None),
                }),
            ),
            (
                BOUNDED,
                dates(2022, None, None, None, Some(d(2022, 10, 21))),
                Some(Ended {
                    on: d(2022, 10, 20),
                    when: When::Award(d(2022, 10, 21)),
                }),
            ),
            // An invalid month is the field's problem, not this rule's; the dates still are.
            (ENDED, dates(2026, Some(13), None, None, None), None),
            (
                ENDED,
                dates(2026, Some(13), None, Some(d(2026, 1, 5)), None),
                Some(Ended {
                    on,
                    when: When::Notice(d(2026, 1, 5)),
                }),
            ),
        ];
        for (unit, p, expected) in cases {
            assert_eq!(check(unit, &p), expected, "{unit:?} {p:?}");
        }
    }

    #[test]
    fn messages_name_the_end_and_the_successors() {
        let ended = Breach::Ended {
            on: d(2025, 6, 30),
            when: When::Start {
                year: 2026,
                month: None,
                quarter: None,
            },
        };
        assert_eq!(
            message_vi(
                "Quận Hà Đông",
                &ended,
                &[
                    "Phường Hà Đông (HN-HD-P1)".to_owned(),
                    "Phường Dương Nội (HN-HD-P2)".to_owned()
                ]
            ),
            "Quận Hà Đông đã kết thúc ngày 30/06/2025, trước kế hoạch năm 2026; đơn vị kế thừa: Phường Hà Đông (HN-HD-P1), Phường Dương Nội (HN-HD-P2)"
        );
        assert_eq!(
            message_vi("Quận Hà Đông", &ended, &[]),
            "Quận Hà Đông đã kết thúc ngày 30/06/2025, trước kế hoạch năm 2026; chọn đơn vị đang có hiệu lực"
        );
        let not_yet = Breach::NotYet {
            from: d(2025, 7, 1),
            when: When::Start {
                year: 2025,
                month: None,
                quarter: Some(2),
            },
        };
        assert_eq!(
            message_vi("Phường Hà Đông", &not_yet, &[]),
            "Phường Hà Đông chỉ có hiệu lực từ ngày 01/07/2025, sau thời gian bắt đầu lựa chọn nhà thầu (quý II/2025)"
        );
    }

    #[test]
    fn units_of_a_year_and_their_marks() {
        assert!(ENDED.in_year(2025));
        assert!(!ENDED.in_year(2026));
        assert!(NEW.in_year(2025));
        assert!(!NEW.in_year(2024));
        assert!(OPEN.in_year(2019));
        assert_eq!(
            mark_in_year_vi(ENDED, 2025).as_deref(),
            Some("đã kết thúc 30/06/2025")
        );
        assert_eq!(mark_in_year_vi(ENDED, 2019), None);
        assert_eq!(mark_in_year_vi(NEW, 2025).as_deref(), Some("từ 01/07/2025"));
        assert_eq!(mark_in_year_vi(NEW, 2026), None);
        let last_day = Validity {
            from: None,
            to: Some(d(2025, 12, 31)),
        };
        assert_eq!(mark_in_year_vi(last_day, 2025), None);
    }
}
