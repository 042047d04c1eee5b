//! The layout of the official report on contractor selection, as data: its tables, their column
//! groups, the measures under each group, the rows with the packages each row sums, and the
//! footnotes. The writers (JSON, CSV, XLSX, printable HTML) only read it, so the next circular's
//! changes are a change here.
//!
//! It follows the forms of Thông tư 23/2024/TT-BKHĐT ("Biểu tổng hợp kết quả lựa chọn nhà
//! thầu"), as reconstructed from software that produces them (domain notes, section 8), and is
//! to be checked against the circular's text and its successor, Thông tư 80/2025/TT-BTC
//! *(verify)*. Where the reconstruction lists a row only for some cases (international online
//! bidding, the split of the methods added since), the definition keeps a row for every case,
//! so that the rows under a heading always add up to it and no package goes unshown.

use entity::{Field, Method, ProjectGroup, ProjectKind};

/// The circular the layout follows, as the report names it.
pub const CIRCULAR: &str = "Mẫu biểu theo Thông tư số 23/2024/TT-BKHĐT của Bộ Kế hoạch và Đầu \
                            tư (bố cục dựng lại, cần đối chiếu với văn bản hiện hành)";

pub const TITLE: &str = "BÁO CÁO TÌNH HÌNH THỰC HIỆN CÔNG TÁC ĐẤU THẦU";

/// What a column group sums: one project group, or every package of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupSel {
    Group(ProjectGroup),
    All,
}

#[derive(Debug, Clone, Copy)]
pub struct GroupDef {
    pub key: &'static str,
    pub label: &'static str,
    pub sel: GroupSel,
}

/// The figures under each column group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Count,
    PackagePrice,
    WinningPrice,
    Savings,
    /// Savings over the package prices of the same packages, from the exact đồng.
    SavingsRate,
}

impl Measure {
    pub const fn key(self) -> &'static str {
        match self {
            Measure::Count => "count",
            Measure::PackagePrice => "package_price",
            Measure::WinningPrice => "winning_price",
            Measure::Savings => "savings",
            Measure::SavingsRate => "savings_rate",
        }
    }

    pub const fn label(self) -> &'static str {
        match self {
            Measure::Count => "Tổng số gói thầu",
            Measure::PackagePrice => "Tổng giá gói thầu",
            Measure::WinningPrice => "Tổng giá trúng thầu",
            Measure::Savings => "Chênh lệch",
            Measure::SavingsRate => "Tỷ lệ tiết kiệm (%)",
        }
    }
}

/// The measures of a project group's columns, and of the total's (the savings rate in every
/// total).
pub const MEASURES: &[Measure] = &[
    Measure::Count,
    Measure::PackagePrice,
    Measure::WinningPrice,
    Measure::Savings,
];
pub const TOTAL_MEASURES: &[Measure] = &[
    Measure::Count,
    Measure::PackagePrice,
    Measure::WinningPrice,
    Measure::Savings,
    Measure::SavingsRate,
];

impl GroupDef {
    pub const fn measures(&self) -> &'static [Measure] {
        match self.sel {
            GroupSel::All => TOTAL_MEASURES,
            GroupSel::Group(_) => MEASURES,
        }
    }
}

/// How a row is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RowStyle {
    /// A part's heading (I, II): no figures.
    Heading,
    /// A field or a method.
    Item,
    /// A split of the line above (trong nước / quốc tế, qua mạng / không qua mạng).
    Split,
    /// A part's total and its splits.
    Total,
}

/// Which packages a row sums: every condition given must hold (an empty list: any).
#[derive(Debug, Clone, Copy)]
pub struct Sel {
    pub fields: &'static [Field],
    pub methods: &'static [Method],
    pub international: Option<bool>,
    pub online: Option<bool>,
}

impl Sel {
    pub const ANY: Sel = Sel {
        fields: &[],
        methods: &[],
        international: None,
        online: None,
    };

    pub fn matches(&self, field: Field, method: Method, international: bool, online: bool) -> bool {
        (self.fields.is_empty() || self.fields.contains(&field))
            && (self.methods.is_empty() || self.methods.contains(&method))
            && self.international.is_none_or(|i| i == international)
            && self.online.is_none_or(|o| o == online)
    }
}

#[derive(Debug, Clone)]
pub struct RowDef {
    /// The STT column: `I`, `1`, `a`, `-` or empty.
    pub stt: &'static str,
    pub label: &'static str,
    pub style: RowStyle,
    /// Depth under the part's heading (0 for headings and totals): the rows of depth d + 1
    /// that follow a row of depth d, up to the next row of depth ≤ d, split it.
    pub depth: u8,
    /// `None` for a heading.
    pub sel: Option<Sel>,
}

/// One table of the report: the packages of one kind of project.
#[derive(Debug, Clone)]
pub struct TableDef {
    pub key: &'static str,
    /// The XLSX sheet name (at most 31 characters).
    pub sheet: &'static str,
    pub title: &'static str,
    pub kind: ProjectKind,
    pub groups: &'static [GroupDef],
}

pub const INVESTMENT_GROUPS: &[GroupDef] = &[
    GroupDef {
        key: "national_key",
        label: "Dự án quan trọng quốc gia (1)",
        sel: GroupSel::Group(ProjectGroup::NationalKey),
    },
    GroupDef {
        key: "a",
        label: "Dự án nhóm A (2)",
        sel: GroupSel::Group(ProjectGroup::A),
    },
    GroupDef {
        key: "b",
        label: "Dự án nhóm B (3)",
        sel: GroupSel::Group(ProjectGroup::B),
    },
    GroupDef {
        key: "c",
        label: "Dự án nhóm C (4)",
        sel: GroupSel::Group(ProjectGroup::C),
    },
    GroupDef {
        key: "total",
        label: "Cộng (1+2+3+4)",
        sel: GroupSel::All,
    },
];

pub const RECURRENT_GROUPS: &[GroupDef] = &[GroupDef {
    key: "total",
    label: "Mua sắm thường xuyên (dự toán mua sắm)",
    sel: GroupSel::All,
}];

pub const TABLES: &[TableDef] = &[
    TableDef {
        key: "investment",
        sheet: "Biểu 1 - Dự án đầu tư",
        title: "Biểu 1. TỔNG HỢP KẾT QUẢ LỰA CHỌN NHÀ THẦU CÁC GÓI THẦU THUỘC DỰ ÁN ĐẦU TƯ",
        kind: ProjectKind::InvestmentProject,
        groups: INVESTMENT_GROUPS,
    },
    TableDef {
        key: "recurrent",
        sheet: "Biểu 2 - Mua sắm thường xuyên",
        title: "Biểu 2. TỔNG HỢP KẾT QUẢ LỰA CHỌN NHÀ THẦU CÁC GÓI THẦU MUA SẮM THƯỜNG XUYÊN",
        kind: ProjectKind::RecurrentProcurement,
        groups: RECURRENT_GROUPS,
    },
];

/// Part I's fields in the form's order and words.
const FIELDS: &[(Field, &str)] = &[
    (Field::NonConsulting, "Phi tư vấn"),
    (Field::Consulting, "Tư vấn"),
    (Field::Goods, "Mua sắm hàng hóa"),
    (Field::Works, "Xây lắp"),
    (Field::Mixed, "Hỗn hợp"),
];

/// Part II's methods in the form's order; `true` where the form splits trong nước / quốc tế
/// before qua mạng / không qua mạng. The last three came with Law 90/2025 and Decree 214/2025.
const METHODS: &[(Method, bool)] = &[
    (Method::OpenBidding, true),
    (Method::LimitedBidding, true),
    (Method::DirectAppointment, true),
    (Method::CompetitiveOffers, true),
    (Method::DirectProcurement, false),
    (Method::SelfPerformance, false),
    (Method::SpecialCase, false),
    (Method::CommunityParticipation, false),
    (Method::PriceNegotiation, false),
    (Method::Ordering, false),
    (Method::OnlinePriceOffer, false),
    (Method::OnlineShopping, false),
];

const STT: &[&str] = &[
    "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15",
];

const OFFLINE: &str = "Không qua mạng";
const ONLINE: &str = "Qua mạng";

/// `sel` narrowed to not online, then online, as two split rows of `depth`.
fn online_split(out: &mut Vec<RowDef>, sel: Sel, depth: u8, style: RowStyle) {
    for (online, label) in [(false, OFFLINE), (true, ONLINE)] {
        out.push(RowDef {
            stt: "–",
            label,
            style,
            depth,
            sel: Some(Sel {
                online: Some(online),
                ..sel
            }),
        });
    }
}

fn total(out: &mut Vec<RowDef>, label: &'static str) {
    out.push(RowDef {
        stt: "",
        label,
        style: RowStyle::Total,
        depth: 0,
        sel: Some(Sel::ANY),
    });
    online_split(out, Sel::ANY, 1, RowStyle::Total);
}

/// The rows of every table: part I by field, part II by method, each with its total.
pub fn rows() -> Vec<RowDef> {
    let mut out = vec![RowDef {
        stt: "I",
        label: "THEO LĨNH VỰC ĐẤU THẦU",
        style: RowStyle::Heading,
        depth: 0,
        sel: None,
    }];
    for (i, (field, label)) in FIELDS.iter().enumerate() {
        let sel = Sel {
            fields: std::slice::from_ref(field),
            ..Sel::ANY
        };
        out.push(RowDef {
            stt: STT[i],
            label,
            style: RowStyle::Item,
            depth: 1,
            sel: Some(sel),
        });
        online_split(&mut out, sel, 2, RowStyle::Split);
    }
    total(&mut out, "Tổng cộng I");
    out.push(RowDef {
        stt: "II",
        label: "THEO HÌNH THỨC LỰA CHỌN NHÀ THẦU",
        style: RowStyle::Heading,
        depth: 0,
        sel: None,
    });
    for (i, (method, by_scope)) in METHODS.iter().enumerate() {
        let sel = Sel {
            methods: std::slice::from_ref(method),
            ..Sel::ANY
        };
        out.push(RowDef {
            stt: STT[i],
            label: method.label_vi(),
            style: RowStyle::Item,
            depth: 1,
            sel: Some(sel),
        });
        if *by_scope {
            for (international, stt, label) in [(false, "a", "Trong nước"), (true, "b", "Quốc tế")]
            {
                let sel = Sel {
                    international: Some(international),
                    ..sel
                };
                out.push(RowDef {
                    stt,
                    label,
                    style: RowStyle::Split,
                    depth: 2,
                    sel: Some(sel),
                });
                online_split(&mut out, sel, 3, RowStyle::Split);
            }
        } else {
            online_split(&mut out, sel, 2, RowStyle::Split);
        }
    }
    total(&mut out, "Tổng cộng II");
    out
}

/// The footnotes under every table: what the figures cover and how they are rounded.
pub const FOOTNOTES: &[&str] = &[
    "Số liệu gồm các gói thầu thuộc kế hoạch lựa chọn nhà thầu của năm báo cáo (theo năm kế \
     hoạch) của đơn vị và các đơn vị trực thuộc, đã có kết quả lựa chọn nhà thầu (quyết định phê \
     duyệt kết quả) đến hết kỳ báo cáo: báo cáo năm tính kết quả đến ngày 31/12, báo cáo 6 tháng \
     tính kết quả đến ngày 30/6 của năm báo cáo. Gói thầu chưa có kết quả đến hết kỳ, đã hủy hoặc \
     chưa gắn với dự án đầu tư hay dự toán mua sắm được nêu ở phần đối chiếu, không bỏ sót.",
    "Nhóm dự án theo Luật Đầu tư công (dự án quan trọng quốc gia, nhóm A, B, C), lấy từ dự án mà \
     kế hoạch lựa chọn nhà thầu của gói thầu thuộc về.",
    "Chênh lệch = Tổng giá gói thầu − Tổng giá trúng thầu của cùng các gói thầu; tỷ lệ tiết kiệm \
     = Chênh lệch / Tổng giá gói thầu, tính trên số đồng chính xác.",
    "Đơn vị tính: triệu đồng. Giá gói thầu và giá trúng thầu làm tròn đến triệu đồng theo từng \
     nhóm gói thầu cùng nhóm dự án, lĩnh vực, hình thức, trong nước/quốc tế và qua mạng/không qua \
     mạng; mọi dòng, cột cộng và tổng cộng đều là tổng các số đã làm tròn, nên biểu cộng khớp và \
     Tổng cộng I bằng Tổng cộng II.",
    "Qua mạng: gói thầu ghi nhận lựa chọn nhà thầu qua Hệ thống mạng đấu thầu quốc gia. Dòng \
     Quốc tế – Qua mạng và tách qua mạng/không qua mạng của các hình thức từ mục 5 được giữ đủ để \
     các dòng con cộng bằng dòng trên.",
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Every combination of what a row can select on.
    fn atoms() -> Vec<(Field, Method, bool, bool)> {
        let mut out = Vec::new();
        for f in Field::ALL {
            for m in Method::ALL {
                for i in [false, true] {
                    for o in [false, true] {
                        out.push((*f, *m, i, o));
                    }
                }
            }
        }
        out
    }

    /// The rows that split `rows[at]`: the next deeper rows up to one as shallow.
    fn children(rows: &[RowDef], at: usize) -> Vec<&RowDef> {
        let d = rows[at].depth;
        rows[at + 1..]
            .iter()
            .take_while(|r| r.depth > d)
            .filter(|r| r.depth == d + 1)
            .collect()
    }

    #[test]
    fn each_rows_splits_cover_it_exactly_once() {
        let rows = rows();
        for (at, row) in rows.iter().enumerate() {
            let Some(sel) = row.sel else { continue };
            let kids = children(&rows, at);
            if kids.is_empty() {
                continue;
            }
            for (f, m, i, o) in atoms() {
                if !sel.matches(f, m, i, o) {
                    continue;
                }
                let n = kids
                    .iter()
                    .filter(|k| k.sel.is_some_and(|s| s.matches(f, m, i, o)))
                    .count();
                assert_eq!(n, 1, "{}: {f:?} {m:?} {i} {o}", row.label);
            }
        }
    }

    #[test]
    fn each_part_places_every_package_once_and_names_every_method_and_field() {
        let rows = rows();
        let parts: Vec<&[RowDef]> = {
            let second = rows
                .iter()
                .rposition(|r| r.style == RowStyle::Heading)
                .expect("two parts");
            vec![&rows[..second], &rows[second..]]
        };
        for part in parts {
            // The items of a part partition every package; its total takes them all.
            for (f, m, i, o) in atoms() {
                let items = part
                    .iter()
                    .filter(|r| r.style == RowStyle::Item)
                    .filter(|r| r.sel.is_some_and(|s| s.matches(f, m, i, o)))
                    .count();
                assert_eq!(items, 1, "{f:?} {m:?} {i} {o}");
            }
        }
        for m in Method::ALL {
            assert!(METHODS.iter().any(|(x, _)| x == m), "{m:?} has a row");
        }
        for f in Field::ALL {
            assert!(FIELDS.iter().any(|(x, _)| x == f), "{f:?} has a row");
        }
    }

    #[test]
    fn sheet_names_fit_excel() {
        for t in TABLES {
            assert!(t.sheet.chars().count() <= 31, "{}", t.sheet);
            assert!(!t.sheet.contains(['[', ']', ':', '*', '?', '/', '\\']));
        }
        // The groups of the investment table are the project groups, then their total.
        let groups: Vec<_> = INVESTMENT_GROUPS
            .iter()
            .filter_map(|g| match g.sel {
                GroupSel::Group(x) => Some(x),
                GroupSel::All => None,
            })
            .collect();
        assert_eq!(groups, ProjectGroup::ALL);
    }
}
