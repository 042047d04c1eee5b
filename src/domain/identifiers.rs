//! Identifiers from outside bidtrack: the contractor's tax code and the national system's notice
//! code (domain.md §2 and §10).

/// Why a tax code is refused; the message says what a tax code looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaxCodeProblem {
    /// Neither 10 digits, 10 + `-` + 3 digits, nor 12 digits.
    Shape,
    /// Ten digits whose last is not the check digit of the first nine.
    CheckDigit { expected: u8 },
    /// A branch numbered `-000`: branches are numbered from 001.
    BranchZero,
}

impl TaxCodeProblem {
    pub fn code(self) -> &'static str {
        match self {
            TaxCodeProblem::Shape => "tax_code_shape",
            TaxCodeProblem::CheckDigit { .. } => "tax_code_check_digit",
            TaxCodeProblem::BranchZero => "tax_code_branch",
        }
    }

    pub fn message_vi(self, label: &str) -> String {
        match self {
            TaxCodeProblem::Shape => format!(
                "{label} gồm 10 chữ số (ví dụ 0100109106), 10 chữ số + '-' + 3 chữ số cho chi nhánh (0100109106-001), hoặc 12 chữ số (số định danh cá nhân)"
            ),
            TaxCodeProblem::CheckDigit { expected } => format!(
                "{label} sai chữ số kiểm tra: với 9 chữ số đầu này, chữ số thứ 10 phải là {expected}; hãy kiểm tra lại mã số"
            ),
            TaxCodeProblem::BranchZero => {
                format!("{label}: số thứ tự chi nhánh bắt đầu từ 001, không có -000")
            }
        }
    }
}

/// The check digit of a ten-digit tax code from its first nine digits: weights 31, 29, 23, 19,
/// 17, 13, 7, 5, 3; check = 10 − (sum mod 11). When that gives 10 the tax authority's own
/// programs differ, so 0 is what bidtrack accepts.
fn check_digit(first_nine: &[u8]) -> u8 {
    const WEIGHTS: [u32; 9] = [31, 29, 23, 19, 17, 13, 7, 5, 3];
    let sum: u32 = first_nine
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(*d) * w)
        .sum();
    // sum mod 11 is 0..=10, so this is 0..=10; 10 becomes 0.
    ((10 - sum % 11) % 10) as u8
}

fn digits(s: &str) -> Option<Vec<u8>> {
    s.bytes()
        .map(|b| b.is_ascii_digit().then(|| b - b'0'))
        .collect()
}

/// The ten-digit tax code whose first nine digits are `first_nine` (taken modulo 10^9): how
/// demo and benchmark data get codes that pass the check.
pub fn tax_code_for(first_nine: u64) -> String {
    let nine = format!("{:09}", first_nine % 1_000_000_000);
    let digits: Vec<u8> = nine.bytes().map(|b| b - b'0').collect();
    format!("{nine}{}", check_digit(&digits))
}

/// A tax code as stored (spaces and dots people type between groups removed), or why it is not
/// one: 10 digits with a valid check digit; a dependent branch, the parent's 10 digits + `-` +
/// 3 digits (the branch number carries no check); or 12 digits, a citizen id that individuals
/// use as their tax code (no check digit).
pub fn tax_code(raw: &str) -> Result<String, TaxCodeProblem> {
    let compact: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '.')
        .collect();
    let (head, branch) = match compact.split_once('-') {
        Some((head, branch)) => (head, Some(branch)),
        None => (compact.as_str(), None),
    };
    let head_digits = digits(head).ok_or(TaxCodeProblem::Shape)?;
    match (head_digits.len(), branch) {
        (12, None) => return Ok(compact),
        (10, _) => {}
        _ => return Err(TaxCodeProblem::Shape),
    }
    let expected = check_digit(&head_digits[..9]);
    if head_digits[9] != expected {
        return Err(TaxCodeProblem::CheckDigit { expected });
    }
    if let Some(branch) = branch {
        if branch.len() != 3 || digits(branch).is_none() {
            return Err(TaxCodeProblem::Shape);
        }
        if branch == "000" {
            return Err(TaxCodeProblem::BranchZero);
        }
    }
    Ok(compact)
}

/// A notice code split into the code a package keeps and the version of its notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeCode {
    pub code: String,
    /// `-NN` of an e-GP notice (`IB1800012345-01` is version 1); none when the code carries
    /// no version.
    pub version: Option<i16>,
}

/// Whether `code` (normalised, without version) has the national e-GP form, `IB` + 10 digits:
/// only such a code evidences a notice on the national system.
pub fn is_egp_notice(code: &str) -> bool {
    code.len() == 12 && code.starts_with("IB") && code[2..].bytes().all(|b| b.is_ascii_digit())
}

/// Splits the version suffix off an e-GP notice code already normalised (upper case):
/// `IB1800012345-01` is `IB1800012345`, version 1, so the versions of one notice are one
/// package. Codes of other forms (older numbering) are kept whole: their suffixes may not be
/// versions.
pub fn notice_code(normalised: &str) -> NoticeCode {
    if let Some((base, suffix)) = normalised.rsplit_once('-')
        && is_egp_notice(base)
        && suffix.len() == 2
        && let Ok(version) = suffix.parse::<i16>()
    {
        return NoticeCode {
            code: base.to_owned(),
            version: Some(version),
        };
    }
    NoticeCode {
        code: normalised.to_owned(),
        version: None,
    }
}

/// The code as the national system shows it: with its `-NN` version when there is one.
pub fn notice_code_with_version(code: &str, version: Option<i16>) -> String {
    match version {
        Some(v) => format!("{code}-{v:02}"),
        None => code.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_digit_tax_codes_carry_their_check_digit() {
        // domain.md's worked example: sum 114, 114 mod 11 = 4, check 6.
        assert_eq!(tax_code("0100109106"), Ok("0100109106".to_owned()));
        assert_eq!(
            tax_code("0100109107"),
            Err(TaxCodeProblem::CheckDigit { expected: 6 })
        );
        assert_eq!(tax_code(" 0100 109 106 "), Ok("0100109106".to_owned()));
        // First nine 010000005: sum 29 + 15 = 44, 44 mod 11 = 0, so the check would be 10,
        // written 0.
        assert_eq!(check_digit(&[0, 1, 0, 0, 0, 0, 0, 0, 5]), 0);
        assert_eq!(tax_code("0100000050"), Ok("0100000050".to_owned()));
        // sum 32, 32 mod 11 = 10: check 0 without the rule.
        assert_eq!(tax_code("0100000010"), Ok("0100000010".to_owned()));
    }

    #[test]
    fn made_codes_pass_the_check() {
        for n in [0, 10_010_910, 123_456_789, 999_999_999, 5_000_000_123] {
            let code = tax_code_for(n);
            assert_eq!(tax_code(&code), Ok(code.clone()), "{n}");
        }
        assert_eq!(tax_code_for(10_010_910), "0100109106");
    }

    #[test]
    fn branches_and_citizen_ids() {
        assert_eq!(tax_code("0100109106-001"), Ok("0100109106-001".to_owned()));
        assert_eq!(tax_code("0100109106-000"), Err(TaxCodeProblem::BranchZero));
        assert_eq!(tax_code("0100109106-01"), Err(TaxCodeProblem::Shape));
        assert_eq!(
            tax_code("0100109107-001"),
            Err(TaxCodeProblem::CheckDigit { expected: 6 }),
            "a branch's parent code is checked"
        );
        assert_eq!(tax_code("001085012345"), Ok("001085012345".to_owned()));
        assert_eq!(tax_code("001085012345-001"), Err(TaxCodeProblem::Shape));
        for bad in ["", "01001091", "010010910a", "0100109106-", "MST0100109106"] {
            assert_eq!(tax_code(bad), Err(TaxCodeProblem::Shape), "{bad}");
        }
    }

    #[test]
    fn notice_versions_split_off_egp_codes_only() {
        let split = |c: &str| notice_code(c);
        assert_eq!(
            split("IB1800012345-01"),
            NoticeCode {
                code: "IB1800012345".to_owned(),
                version: Some(1)
            }
        );
        assert_eq!(split("IB1800012345-00").version, Some(0));
        assert_eq!(split("IB1800012345").version, None);
        assert_eq!(split("IB1800012345").code, "IB1800012345");
        // Older numbering keeps its suffix: it may not be a version.
        assert_eq!(split("20150812345-00").code, "20150812345-00");
        assert_eq!(split("IB1800012345-001").version, None);
        assert!(is_egp_notice("IB1800012345"));
        assert!(!is_egp_notice("IB180001234"));
        assert!(!is_egp_notice("20150812345"));
        assert_eq!(
            notice_code_with_version("IB1800012345", Some(1)),
            "IB1800012345-01"
        );
    }
}
