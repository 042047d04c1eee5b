//! Legal regimes and their thresholds (domain.md §4). A package's regime follows from its planned
//! selection start: the first day of its planned start month, or 1 January of the plan year when
//! no month is given. An old package is never re-classified under new thresholds.

use chrono::{Datelike, NaiveDate};
use entity::Field;

/// A month as `year * 100 + month` (201907): the granularity of a planned selection start.
pub type MonthKey = i32;

pub const fn month_key(year: i32, month: u32) -> MonthKey {
    year * 100 + month as i32
}

/// The month a package's planned start is read at: its month, else the first month of its
/// quarter (a regime that starts later in the quarter applies to packages that name a month in
/// it, not to the quarter as a whole), else none (January, below).
pub fn start_month(month: Option<i16>, quarter: Option<i16>) -> Option<i16> {
    month.or(quarter.map(|q| q * 3 - 2))
}

/// The planned start month of a package as a month key (January when no month is recorded).
pub fn planned_start_key(plan_year: i32, planned_start_month: Option<i16>) -> MonthKey {
    plan_year * 100 + i32::from(planned_start_month.unwrap_or(1))
}

/// Largest package price that is small-scale (quy mô nhỏ), per field; `None` means never.
/// "Không quá" in the decrees means ≤: exactly the limit is small-scale.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SmallScaleBands {
    pub goods: Option<i64>,
    pub works: Option<i64>,
    pub consulting: Option<i64>,
    pub non_consulting: Option<i64>,
    pub mixed: Option<i64>,
}

impl SmallScaleBands {
    pub const fn max_for(&self, field: Field) -> Option<i64> {
        match field {
            Field::Goods => self.goods,
            Field::Works => self.works,
            Field::Consulting => self.consulting,
            Field::NonConsulting => self.non_consulting,
            Field::Mixed => self.mixed,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Regime {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub small_scale: SmallScaleBands,
    pub competitive_offers_max_vnd: i64,
    pub competitive_offers_mixed_allowed: bool,
}

impl Regime {
    pub fn is_small_scale(&self, field: Field, package_price_vnd: i64) -> bool {
        self.small_scale
            .max_for(field)
            .is_some_and(|max| package_price_vnd <= max)
    }

    /// The planned start months this regime governs, as an inclusive range of month keys, or
    /// `None` when no first-of-month falls inside its validity (a regime shorter than a month).
    /// A regime that starts mid-month governs from the next month on, since a planned start is
    /// the first of its month.
    pub fn month_range(&self) -> Option<(MonthKey, MonthKey)> {
        let from = self.valid_from;
        let first = if from.day() == 1 {
            month_key(from.year(), from.month())
        } else if from.month() == 12 {
            month_key(from.year() + 1, 1)
        } else {
            month_key(from.year(), from.month() + 1)
        };
        let last = match self.valid_to {
            Some(to) => month_key(to.year(), to.month()),
            None => MonthKey::MAX,
        };
        (first <= last).then_some((first, last))
    }
}

/// All regimes, ordered by start; looks up the one governing a planned start.
#[derive(Debug, Clone, Default)]
pub struct Regimes(Vec<Regime>);

impl Regimes {
    pub fn new(mut regimes: Vec<Regime>) -> Self {
        regimes.sort_by_key(|r| r.valid_from);
        Regimes(regimes)
    }

    pub fn as_slice(&self) -> &[Regime] {
        &self.0
    }

    /// The regime in force on the first day of the package's planned start month.
    pub fn for_package(&self, plan_year: i32, planned_start_month: Option<i16>) -> Option<&Regime> {
        let key = planned_start_key(plan_year, planned_start_month);
        self.0.iter().find(|r| {
            r.month_range()
                .is_some_and(|(first, last)| first <= key && key <= last)
        })
    }

    /// The small-scale bands governing the planned start months `within` (inclusive), as month
    /// ranges in lookup order, consecutive regimes with the same bands and touching ranges merged.
    /// Months no regime governs are in no range. A query that classifies packages needs one
    /// branch per range, and none at all when one range covers `within`: the seeded regimes
    /// share their bands, so the check of any year costs a single price comparison per row.
    pub fn band_segments(&self, within: (MonthKey, MonthKey)) -> Vec<BandSegment> {
        let mut out: Vec<BandSegment> = Vec::new();
        for regime in &self.0 {
            let Some((first, last)) = regime.month_range() else {
                continue;
            };
            let (first, last) = (first.max(within.0), last.min(within.1));
            if first > last {
                continue;
            }
            if let Some(prev) = out.last_mut()
                && prev.bands == regime.small_scale
                && prev.last < first
                && next_month(prev.last) >= first
            {
                prev.last = last;
                continue;
            }
            out.push(BandSegment {
                first,
                last,
                bands: regime.small_scale,
            });
        }
        out
    }
}

/// Planned start months `first..=last` and the small-scale bands that govern them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BandSegment {
    pub first: MonthKey,
    pub last: MonthKey,
    pub bands: SmallScaleBands,
}

const fn next_month(key: MonthKey) -> MonthKey {
    if key % 100 >= 12 {
        (key / 100 + 1) * 100 + 1
    } else {
        key.saturating_add(1)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    const BN: i64 = 1_000_000_000;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    /// The regimes exactly as the seed migration writes them.
    pub(crate) fn seeded() -> Regimes {
        let bands = SmallScaleBands {
            goods: Some(10 * BN),
            works: Some(20 * BN),
            consulting: None,
            non_consulting: Some(10 * BN),
            mixed: Some(20 * BN),
        };
        Regimes::new(vec![
            Regime {
                id: 3,
                code: "law22_decree214".into(),
                name: "Decree 214".into(),
                valid_from: d(2025, 8, 4),
                valid_to: None,
                small_scale: bands,
                competitive_offers_max_vnd: 10 * BN,
                competitive_offers_mixed_allowed: true,
            },
            Regime {
                id: 1,
                code: "law43_decree63".into(),
                name: "Law 43".into(),
                valid_from: d(2014, 7, 1),
                valid_to: Some(d(2023, 12, 31)),
                small_scale: bands,
                competitive_offers_max_vnd: 5 * BN,
                competitive_offers_mixed_allowed: false,
            },
            Regime {
                id: 2,
                code: "law22_decree24".into(),
                name: "Decree 24".into(),
                valid_from: d(2024, 1, 1),
                valid_to: Some(d(2025, 8, 3)),
                small_scale: bands,
                competitive_offers_max_vnd: 10 * BN,
                competitive_offers_mixed_allowed: true,
            },
        ])
    }

    #[test]
    fn small_scale_boundaries() {
        let regimes = seeded();
        let r = regimes.for_package(2019, None).expect("2019 has a regime");
        let cases: &[(Field, i64, bool)] = &[
            (Field::Goods, 10 * BN, true),
            (Field::Goods, 10 * BN + 1, false),
            (Field::Goods, 1, true),
            (Field::NonConsulting, 10 * BN, true),
            (Field::NonConsulting, 10 * BN + 1, false),
            (Field::Works, 20 * BN, true),
            (Field::Works, 20 * BN + 1, false),
            (Field::Mixed, 20 * BN, true),
            (Field::Mixed, 20 * BN + 1, false),
            (Field::Consulting, 1, false),
            (Field::Consulting, 10 * BN, false),
        ];
        for (field, price, expected) in cases {
            assert_eq!(
                r.is_small_scale(*field, *price),
                *expected,
                "{field} {price}"
            );
        }
    }

    #[test]
    fn regime_follows_planned_start() {
        let regimes = seeded();
        let code = |y, m| regimes.for_package(y, m).map(|r| r.code.as_str());
        assert_eq!(code(2014, Some(6)), None, "before Law 43 took effect");
        assert_eq!(code(2014, None), None, "1 January 2014 is before Law 43");
        assert_eq!(code(2014, Some(7)), Some("law43_decree63"));
        assert_eq!(code(2019, None), Some("law43_decree63"));
        assert_eq!(code(2023, Some(12)), Some("law43_decree63"));
        assert_eq!(code(2024, None), Some("law22_decree24"));
        assert_eq!(code(2025, Some(7)), Some("law22_decree24"));
        // Decree 214 starts on 4 August 2025: a start planned for August means 1 August.
        assert_eq!(code(2025, Some(8)), Some("law22_decree24"));
        assert_eq!(code(2025, Some(9)), Some("law22_decree214"));
        assert_eq!(code(2031, Some(1)), Some("law22_decree214"));
    }

    #[test]
    fn month_ranges() {
        let regimes = seeded();
        let ranges: Vec<_> = regimes.as_slice().iter().map(Regime::month_range).collect();
        assert_eq!(
            ranges,
            vec![
                Some((201407, 202312)),
                Some((202401, 202508)),
                Some((202509, MonthKey::MAX))
            ]
        );
        let mut short = regimes.as_slice()[0].clone();
        short.valid_from = d(2020, 3, 2);
        short.valid_to = Some(d(2020, 3, 20));
        assert_eq!(short.month_range(), None);
        short.valid_from = d(2020, 12, 15);
        short.valid_to = Some(d(2021, 2, 1));
        assert_eq!(short.month_range(), Some((202101, 202102)));
    }

    #[test]
    fn band_segments_merge_regimes_with_the_same_bands() {
        let regimes = seeded();
        let all = regimes.band_segments((MonthKey::MIN, MonthKey::MAX));
        assert_eq!(
            all.len(),
            1,
            "the seeded regimes share their bands: {all:?}"
        );
        assert_eq!((all[0].first, all[0].last), (201407, MonthKey::MAX));
        let year = regimes.band_segments((month_key(2014, 1), month_key(2014, 12)));
        assert_eq!(
            (year[0].first, year[0].last),
            (201407, 201412),
            "2014 before July has none"
        );

        let mut changed: Vec<Regime> = regimes.as_slice().to_vec();
        changed[1].small_scale.goods = Some(15 * BN);
        let changed = Regimes::new(changed);
        let spans: Vec<_> = changed
            .band_segments((MonthKey::MIN, MonthKey::MAX))
            .iter()
            .map(|s| (s.first, s.last, s.bands.goods))
            .collect();
        assert_eq!(
            spans,
            vec![
                (201407, 202312, Some(10 * BN)),
                (202401, 202508, Some(15 * BN)),
                (202509, MonthKey::MAX, Some(10 * BN)),
            ]
        );
        let in_2025 = changed.band_segments((month_key(2025, 1), month_key(2025, 12)));
        assert_eq!(in_2025.len(), 2);
        assert_eq!((in_2025[0].first, in_2025[0].last), (202501, 202508));
    }

    #[test]
    fn next_month_rolls_the_year() {
        assert_eq!(next_month(201912), 202001);
        assert_eq!(next_month(201907), 201908);
    }
}
