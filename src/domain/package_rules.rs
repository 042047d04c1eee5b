//! Validity rules of a package that go beyond the shape of its fields: errors block a save,
//! warnings are shown beside the package but never block it.

use super::money::format_vnd;
use super::regime::{Regimes, start_month};
use chrono::NaiveDate;
use entity::{Field, Method, OnlineExemptReason, PackageStatus, Procedure};
use serde::Serialize;

/// The facts the rules read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackageDraft {
    pub field: Field,
    pub method: Method,
    pub procedure: Option<Procedure>,
    pub package_price_vnd: i64,
    pub plan_year: i32,
    pub planned_start_month: Option<i16>,
    pub planned_start_quarter: Option<i16>,
    pub online: bool,
    pub online_exempt_reason: Option<OnlineExemptReason>,
    pub status: PackageStatus,
    pub result_date: Option<NaiveDate>,
    pub winning_price_vnd: Option<i64>,
    /// Its notice is on the national system under an e-GP code, with its posting date.
    pub evidenced: bool,
}

/// A rule the package breaks; it cannot be saved like this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Violation {
    /// An awarded package has a winning price (Law 43/2013 Art. 43; Law 22/2023 Art. 43).
    WinningPriceRequired,
    /// The winning price may not exceed the package price (Law 43/2013 Art. 43 para. 1(e);
    /// Law 22/2023 Art. 43 para. 1(e)).
    WinningPriceAbovePackagePrice {
        winning_price_vnd: i64,
        package_price_vnd: i64,
    },
    /// An awarded package has the date of its selection result.
    ResultDateRequired,
    /// Competitive offers are for goods, works and non-consulting services, never consulting
    /// (Law 43/2013 Art. 23; Law 22/2023 Art. 24).
    ConsultingCompetitiveOffers,
    /// Under Law 43/2013 and Decree 63/2014 (Art. 57) a mixed package cannot use competitive offers.
    MixedCompetitiveOffers { regime: String },
    /// An exemption from online selection only makes sense for a package not selected online.
    ExemptWhileOnline,
    /// The planned start is a month or a quarter, not both.
    MonthAndQuarter,
    /// The shortened procedure is a direct appointment's only (Law 43/2013 Art. 22 para. 2;
    /// Decree 63/2014 Art. 56; Law 22/2023 Art. 23 para. 4; Decree 24/2024 Art. 80).
    ShortenedNotDirectAppointment,
}

impl Violation {
    pub fn code(&self) -> &'static str {
        match self {
            Violation::WinningPriceRequired => "winning_price_required",
            Violation::WinningPriceAbovePackagePrice { .. } => "winning_price_above_package_price",
            Violation::ResultDateRequired => "result_date_required",
            Violation::ConsultingCompetitiveOffers => "consulting_competitive_offers",
            Violation::MixedCompetitiveOffers { .. } => "mixed_competitive_offers",
            Violation::ExemptWhileOnline => "exempt_while_online",
            Violation::MonthAndQuarter => "month_and_quarter",
            Violation::ShortenedNotDirectAppointment => "shortened_not_direct_appointment",
        }
    }

    /// The form field the message belongs beside.
    pub fn field(&self) -> &'static str {
        match self {
            Violation::WinningPriceRequired | Violation::WinningPriceAbovePackagePrice { .. } => {
                "winning_price_vnd"
            }
            Violation::ResultDateRequired => "result_date",
            Violation::ConsultingCompetitiveOffers | Violation::MixedCompetitiveOffers { .. } => {
                "method"
            }
            Violation::ExemptWhileOnline => "online_exempt_reason",
            Violation::MonthAndQuarter => "planned_start_quarter",
            Violation::ShortenedNotDirectAppointment => "procedure",
        }
    }

    pub fn message_vi(&self) -> String {
        match self {
            Violation::WinningPriceRequired => "Gói thầu đã có kết quả phải có giá trúng thầu".into(),
            Violation::WinningPriceAbovePackagePrice { winning_price_vnd, package_price_vnd } => format!(
                "Giá trúng thầu ({}) không được vượt giá gói thầu ({})",
                format_vnd(*winning_price_vnd),
                format_vnd(*package_price_vnd)
            ),
            Violation::ResultDateRequired => {
                "Gói thầu đã có kết quả phải có ngày phê duyệt kết quả lựa chọn nhà thầu".into()
            }
            Violation::ConsultingCompetitiveOffers => {
                "Gói thầu tư vấn không được áp dụng hình thức chào hàng cạnh tranh".into()
            }
            Violation::MixedCompetitiveOffers { .. } => {
                "Theo Luật Đấu thầu 43/2013 và Nghị định 63/2014, gói thầu hỗn hợp không được áp dụng chào hàng cạnh tranh".into()
            }
            Violation::ExemptWhileOnline => {
                "Lý do không thực hiện qua mạng chỉ ghi cho gói thầu không lựa chọn nhà thầu qua mạng".into()
            }
            Violation::MonthAndQuarter => {
                "Chỉ ghi tháng hoặc quý bắt đầu lựa chọn nhà thầu, không ghi cả hai".into()
            }
            Violation::ShortenedNotDirectAppointment => format!(
                "{} chỉ áp dụng cho hình thức {}",
                Procedure::Shortened.label_vi(),
                Method::DirectAppointment.label_vi()
            ),
        }
    }
}

/// Something worth a second look that does not block a save.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Warning {
    /// A competitive-offer package above its regime's limit (5 bn under Decree 63/2014 Art. 57,
    /// 10 bn under Decree 24/2024 and Decree 214/2025).
    CompetitiveOffersAboveLimit { limit_vnd: i64, regime: String },
    /// No regime covers the planned selection start, so thresholds cannot be applied.
    NoRegime,
    /// Award details recorded on a package that is not awarded.
    AwardDetailsWithoutAward,
    /// Past planning, declared online without evidence of it: no e-GP notice code (IB + 10
    /// digits) with a posting date. Until then "online" is an intention.
    OnlineNotEvidenced,
    /// A planned quarter during which the regime changes: the first month's applies, and the
    /// month would say which one really does.
    QuarterSpansRegimes { quarter: i16, regime: String },
}

impl Warning {
    pub fn code(&self) -> &'static str {
        match self {
            Warning::CompetitiveOffersAboveLimit { .. } => "competitive_offers_above_limit",
            Warning::NoRegime => "no_regime",
            Warning::AwardDetailsWithoutAward => "award_details_without_award",
            Warning::QuarterSpansRegimes { .. } => "quarter_spans_regimes",
            Warning::OnlineNotEvidenced => "online_not_evidenced",
        }
    }

    pub fn message_vi(&self) -> String {
        match self {
            Warning::CompetitiveOffersAboveLimit { limit_vnd, .. } => format!(
                "Chào hàng cạnh tranh chỉ áp dụng cho gói thầu có giá không quá {}",
                format_vnd(*limit_vnd)
            ),
            Warning::NoRegime => {
                "Không có quy định về ngưỡng áp dụng cho thời gian tổ chức lựa chọn nhà thầu của gói thầu này".into()
            }
            Warning::AwardDetailsWithoutAward => {
                "Gói thầu chưa có kết quả nhưng đã ghi giá trúng thầu hoặc ngày phê duyệt kết quả".into()
            }
            Warning::OnlineNotEvidenced => {
                "Gói thầu ghi qua mạng nhưng chưa có bằng chứng: cần số TBMT trên Hệ thống mạng đấu thầu quốc gia (IB + 10 chữ số) và ngày đăng tải".into()
            }
            Warning::QuarterSpansRegimes { quarter, .. } => format!(
                "Quy định về ngưỡng thay đổi trong quý {}: đang áp dụng quy định của tháng đầu quý; hãy ghi tháng bắt đầu lựa chọn nhà thầu để áp dụng đúng",
                quarter_vi(*quarter)
            ),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Findings {
    pub violations: Vec<Violation>,
    pub warnings: Vec<Warning>,
}

/// "I" to "IV": how plans write a quarter.
pub fn quarter_vi(q: i16) -> &'static str {
    match q {
        1 => "I",
        2 => "II",
        3 => "III",
        4 => "IV",
        _ => "?",
    }
}

pub fn check(p: &PackageDraft, regimes: &Regimes) -> Findings {
    let mut f = Findings::default();
    let regime = regimes.for_package(
        p.plan_year,
        start_month(p.planned_start_month, p.planned_start_quarter),
    );
    if p.planned_start_month.is_some() && p.planned_start_quarter.is_some() {
        f.violations.push(Violation::MonthAndQuarter);
    }
    if let (None, Some(q), Some(first)) = (p.planned_start_month, p.planned_start_quarter, regime)
        && regimes
            .for_package(p.plan_year, Some(q * 3))
            .is_none_or(|last| last.code != first.code)
    {
        f.warnings.push(Warning::QuarterSpansRegimes {
            quarter: q,
            regime: first.code.clone(),
        });
    }

    if p.status == PackageStatus::Awarded {
        if p.winning_price_vnd.is_none() {
            f.violations.push(Violation::WinningPriceRequired);
        }
        if p.result_date.is_none() {
            f.violations.push(Violation::ResultDateRequired);
        }
    } else if p.winning_price_vnd.is_some() || p.result_date.is_some() {
        f.warnings.push(Warning::AwardDetailsWithoutAward);
    }
    if let Some(winning) = p.winning_price_vnd
        && winning > p.package_price_vnd
    {
        f.violations.push(Violation::WinningPriceAbovePackagePrice {
            winning_price_vnd: winning,
            package_price_vnd: p.package_price_vnd,
        });
    }
    if p.method == Method::CompetitiveOffers {
        match (p.field, regime) {
            (Field::Consulting, _) => f.violations.push(Violation::ConsultingCompetitiveOffers),
            (Field::Mixed, Some(r)) if !r.competitive_offers_mixed_allowed => {
                f.violations.push(Violation::MixedCompetitiveOffers {
                    regime: r.code.clone(),
                })
            }
            _ => {}
        }
        if let Some(r) = regime
            && p.package_price_vnd > r.competitive_offers_max_vnd
        {
            f.warnings.push(Warning::CompetitiveOffersAboveLimit {
                limit_vnd: r.competitive_offers_max_vnd,
                regime: r.code.clone(),
            });
        }
    }
    if p.procedure == Some(Procedure::Shortened) && p.method != Method::DirectAppointment {
        f.violations.push(Violation::ShortenedNotDirectAppointment);
    }
    if p.online && p.online_exempt_reason.is_some() {
        f.violations.push(Violation::ExemptWhileOnline);
    }
    if regime.is_none() {
        f.warnings.push(Warning::NoRegime);
    }
    let past_planning = !matches!(p.status, PackageStatus::Planned | PackageStatus::Cancelled);
    if p.online && past_planning && !p.evidenced {
        f.warnings.push(Warning::OnlineNotEvidenced);
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::regime::tests::seeded;

    const BN: i64 = 1_000_000_000;

    fn draft() -> PackageDraft {
        PackageDraft {
            field: Field::Goods,
            method: Method::CompetitiveOffers,
            procedure: None,
            package_price_vnd: BN,
            plan_year: 2019,
            planned_start_month: None,
            planned_start_quarter: None,
            online: true,
            online_exempt_reason: None,
            status: PackageStatus::Planned,
            result_date: None,
            winning_price_vnd: None,
            evidenced: false,
        }
    }

    fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    fn codes(f: &Findings) -> (Vec<&'static str>, Vec<&'static str>) {
        (
            f.violations.iter().map(Violation::code).collect(),
            f.warnings.iter().map(Warning::code).collect(),
        )
    }

    #[test]
    fn a_plain_package_is_clean() {
        assert_eq!(check(&draft(), &seeded()), Findings::default());
    }

    #[test]
    fn a_quarter_is_read_at_its_first_month() {
        let r = seeded();
        let q3_2025 = PackageDraft {
            plan_year: 2025,
            planned_start_quarter: Some(3),
            ..draft()
        };
        // Decree 214/2025 starts on 4 August: July is Decree 24/2024's, September is not.
        let f = check(&q3_2025, &r);
        assert_eq!(codes(&f).1, ["quarter_spans_regimes"]);
        assert!(
            f.warnings[0].message_vi().contains("quý III"),
            "{:?}",
            f.warnings
        );
        let q4_2025 = PackageDraft {
            planned_start_quarter: Some(4),
            ..q3_2025
        };
        assert_eq!(check(&q4_2025, &r), Findings::default());
        let both = PackageDraft {
            planned_start_month: Some(8),
            ..q3_2025
        };
        assert_eq!(codes(&check(&both, &r)).0, ["month_and_quarter"]);
    }

    #[test]
    fn online_past_planning_needs_evidence() {
        let r = seeded();
        let warned = |d: PackageDraft| codes(&check(&d, &r)).1.contains(&"online_not_evidenced");
        assert!(
            !warned(draft()),
            "a planned package's online is an intention"
        );
        let published = PackageDraft {
            status: PackageStatus::NoticePublished,
            ..draft()
        };
        assert!(warned(published));
        assert!(!warned(PackageDraft {
            evidenced: true,
            ..published
        }));
        assert!(!warned(PackageDraft {
            online: false,
            ..published
        }));
        assert!(!warned(PackageDraft {
            status: PackageStatus::Cancelled,
            ..draft()
        }));
    }

    #[test]
    fn award_rules() {
        let r = seeded();
        let awarded = PackageDraft {
            status: PackageStatus::Awarded,
            evidenced: true,
            ..draft()
        };
        assert_eq!(
            codes(&check(&awarded, &r)).0,
            ["winning_price_required", "result_date_required"]
        );
        let complete = PackageDraft {
            winning_price_vnd: Some(BN),
            result_date: date(2019, 5, 1),
            ..awarded
        };
        assert_eq!(
            check(&complete, &r),
            Findings::default(),
            "winning = package price is allowed"
        );
        let above = PackageDraft {
            winning_price_vnd: Some(BN + 1),
            ..complete
        };
        let f = check(&above, &r);
        assert_eq!(codes(&f).0, ["winning_price_above_package_price"]);
        assert_eq!(f.violations[0].field(), "winning_price_vnd");
        assert_eq!(
            f.violations[0].message_vi(),
            "Giá trúng thầu (1.000.000.001 ₫) không được vượt giá gói thầu (1.000.000.000 ₫)"
        );
        let early = PackageDraft {
            winning_price_vnd: Some(BN / 2),
            ..draft()
        };
        assert_eq!(codes(&check(&early, &r)).1, ["award_details_without_award"]);
    }

    #[test]
    fn competitive_offers_by_field_and_regime() {
        let r = seeded();
        let consulting = PackageDraft {
            field: Field::Consulting,
            ..draft()
        };
        assert_eq!(
            codes(&check(&consulting, &r)).0,
            ["consulting_competitive_offers"]
        );
        let consulting_2025 = PackageDraft {
            plan_year: 2025,
            ..consulting
        };
        assert_eq!(
            codes(&check(&consulting_2025, &r)).0,
            ["consulting_competitive_offers"]
        );

        let mixed = PackageDraft {
            field: Field::Mixed,
            ..draft()
        };
        assert_eq!(codes(&check(&mixed, &r)).0, ["mixed_competitive_offers"]);
        let mixed_2024 = PackageDraft {
            plan_year: 2024,
            ..mixed
        };
        assert_eq!(check(&mixed_2024, &r), Findings::default());

        // consulting by open bidding is fine
        let open = PackageDraft {
            method: Method::OpenBidding,
            ..consulting
        };
        assert_eq!(check(&open, &r), Findings::default());
    }

    #[test]
    fn competitive_offers_limit_is_a_warning_at_the_boundary() {
        let r = seeded();
        let at_limit = PackageDraft {
            package_price_vnd: 5 * BN,
            ..draft()
        };
        assert_eq!(check(&at_limit, &r), Findings::default());
        let above = PackageDraft {
            package_price_vnd: 5 * BN + 1,
            ..draft()
        };
        let f = check(&above, &r);
        assert_eq!(codes(&f), (vec![], vec!["competitive_offers_above_limit"]));
        assert_eq!(
            f.warnings[0].message_vi(),
            "Chào hàng cạnh tranh chỉ áp dụng cho gói thầu có giá không quá 5.000.000.000 ₫"
        );
        // 10 bn under Decree 24/2024
        let in_2024 = PackageDraft {
            plan_year: 2024,
            package_price_vnd: 10 * BN,
            ..draft()
        };
        assert_eq!(check(&in_2024, &r), Findings::default());
        let above_2024 = PackageDraft {
            package_price_vnd: 10 * BN + 1,
            ..in_2024
        };
        assert_eq!(
            codes(&check(&above_2024, &r)).1,
            ["competitive_offers_above_limit"]
        );
    }

    #[test]
    fn exemption_and_missing_regime() {
        let r = seeded();
        let contradictory = PackageDraft {
            online_exempt_reason: Some(OnlineExemptReason::Secrecy),
            ..draft()
        };
        assert_eq!(codes(&check(&contradictory, &r)).0, ["exempt_while_online"]);
        let exempt = PackageDraft {
            online: false,
            ..contradictory
        };
        assert_eq!(check(&exempt, &r), Findings::default());
        let old = PackageDraft {
            plan_year: 2012,
            ..draft()
        };
        assert_eq!(codes(&check(&old, &r)).1, ["no_regime"]);
    }
}
