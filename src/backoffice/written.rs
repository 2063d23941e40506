//! Numbers as a seller writes them (CSV, command line), read only where they can mean
//! one thing. Thousands may be grouped in threes by spaces, apostrophes, or by the one of
//! `.` and `,` that is not the decimal mark (`1 234,50`, `1,234.50`, `1.234.567`). A lone
//! `.` is a decimal point, as the exports, Prom.ua's API and the admin API write it (so a
//! price of `12.345` exported imports back); a lone `,` before three digits after one to
//! three (`1,234`: 1234 in a US spreadsheet, 1.234 with a decimal comma) is refused, never
//! guessed.

/// The parts of a number read from text: its sign, the digits of its whole part (no
/// grouping left) and those after its decimal mark, if it has one.
#[derive(Debug, PartialEq)]
pub(super) struct Written {
    pub negative: bool,
    pub whole: String,
    pub fraction: Option<String>,
}

/// Why a text is not read as a number.
#[derive(Debug, PartialEq)]
pub(super) enum Unread {
    Blank,
    /// Not digits, separators and a sign.
    NotANumber,
    /// A number with a currency or unit beside it (`849 грн`): the number alone.
    Beside(String),
    /// Thousands grouped other than in threes, or grouped two ways.
    Grouping,
    /// A lone comma before three digits after one to three (`1,234`): thousands or
    /// decimals?
    Ambiguous,
}

/// The spaces seen grouping thousands: ordinary, no-break, narrow no-break, thin.
const SPACES: [char; 4] = [' ', '\u{a0}', '\u{202f}', '\u{2009}'];
const APOSTROPHES: [char; 2] = ['\'', '\u{2019}'];

fn is_part(c: char) -> bool {
    c.is_ascii_digit() || c == '.' || c == ',' || SPACES.contains(&c) || APOSTROPHES.contains(&c)
}

/// Reads `text` (trimmed; a leading `-` or `+` allowed).
pub(super) fn read(text: &str) -> Result<Written, Unread> {
    let t = text.trim();
    if t.is_empty() {
        return Err(Unread::Blank);
    }
    let (negative, body) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if !body.chars().all(is_part) {
        return Err(beside(body));
    }
    let (whole, fraction) = read_digits(body)?;
    Ok(Written {
        negative,
        whole,
        fraction,
    })
}

/// `Beside` when letters or a currency sign stand before or after a number, else
/// `NotANumber` (`1e3`, `abc`).
fn beside(body: &str) -> Unread {
    let (Some(first), Some(last)) = (
        body.find(|c: char| c.is_ascii_digit()),
        body.rfind(|c: char| c.is_ascii_digit()),
    ) else {
        return Unread::NotANumber;
    };
    let core = &body[first..=last];
    let around = format!("{}{}", &body[..first], &body[last + 1..]);
    let unit = around
        .chars()
        .all(|c| c.is_alphabetic() || "₴$€£¥₽.".contains(c) || c.is_whitespace())
        && around
            .chars()
            .any(|c| c.is_alphabetic() || "₴$€£¥₽".contains(c));
    if unit && core.chars().all(is_part) && read_digits(core).is_ok() {
        Unread::Beside(core.to_string())
    } else {
        Unread::NotANumber
    }
}

/// The whole part's digits and the fraction's, from digits and separators only.
fn read_digits(body: &str) -> Result<(String, Option<String>), Unread> {
    let dots = body.matches('.').count();
    let commas = body.matches(',').count();
    // The decimal mark: the last of `.` and `,` when both are used, a lone one otherwise;
    // one used several times and alone groups thousands.
    let mark = match (dots, commas) {
        (0, 0) => None,
        (1, 0) => Some('.'),
        (0, 1) => Some(','),
        (_, 0) | (0, _) => None,
        _ => {
            let last = body.rfind(['.', ',']).map(|i| &body[i..i + 1]);
            match last {
                Some(".") if dots == 1 => Some('.'),
                Some(",") if commas == 1 => Some(','),
                _ => return Err(Unread::Grouping),
            }
        }
    };
    let (whole, fraction) = match mark.and_then(|m| body.split_once(m)) {
        Some((w, f)) => (w, Some(f)),
        None => (body, None),
    };
    if let Some(f) = fraction {
        if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Unread::NotANumber);
        }
        let short_whole = (1..=3).contains(&whole.len())
            && whole.bytes().all(|b| b.is_ascii_digit())
            && !whole.starts_with('0');
        if mark == Some(',') && dots == 0 && f.len() == 3 && short_whole {
            return Err(Unread::Ambiguous);
        }
    }
    Ok((ungrouped(whole)?, fraction.map(str::to_string)))
}

/// The digits of a whole part, grouped in threes by one kind of separator or not at all.
fn ungrouped(whole: &str) -> Result<String, Unread> {
    let kind = |c: char| {
        if SPACES.contains(&c) {
            ' '
        } else if APOSTROPHES.contains(&c) {
            '\''
        } else {
            c
        }
    };
    let mut kinds = whole.chars().filter(|c| !c.is_ascii_digit()).map(kind);
    let Some(sep) = kinds.next() else {
        return if whole.is_empty() {
            Err(Unread::NotANumber)
        } else {
            Ok(whole.to_string())
        };
    };
    if kinds.any(|k| k != sep) {
        return Err(Unread::Grouping);
    }
    let groups: Vec<&str> = whole.split(|c: char| !c.is_ascii_digit()).collect();
    let threes = (1..=3).contains(&groups[0].len()) && groups[1..].iter().all(|g| g.len() == 3);
    if !threes {
        return Err(Unread::Grouping);
    }
    Ok(groups.concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(text: &str) -> (bool, String, Option<String>) {
        let w = read(text).unwrap();
        (w.negative, w.whole, w.fraction)
    }

    #[test]
    fn grouping_is_read_only_in_threes_and_one_way() {
        assert_eq!(parts("-1 000"), (true, "1000".into(), None));
        assert_eq!(parts("1’234,5"), (false, "1234".into(), Some("5".into())));
        assert_eq!(parts("1.234,50").1, "1234");
        assert_eq!(read("1,234"), Err(Unread::Ambiguous));
        assert_eq!(read("999,999"), Err(Unread::Ambiguous));
        assert_eq!(parts("1.234"), (false, "1".into(), Some("234".into())));
        assert_eq!(parts("0,125"), (false, "0".into(), Some("125".into())));
        assert_eq!(parts("1234,567").2, Some("567".into()));
        assert_eq!(parts("1 234,567").1, "1234");
        assert_eq!(parts("12,5000").2, Some("5000".into()));
        assert_eq!(read("12 50"), Err(Unread::Grouping));
        assert_eq!(read("1'234 567"), Err(Unread::Grouping));
        assert_eq!(read("1.2.3,4.5"), Err(Unread::Grouping));
        assert_eq!(read("849 грн."), Err(Unread::Beside("849".into())));
        assert_eq!(read("+-5"), Err(Unread::NotANumber));
        assert_eq!(read("\u{a0}"), Err(Unread::Blank));
    }
}
