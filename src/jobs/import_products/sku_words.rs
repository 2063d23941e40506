//! How a look-alike hard case reads: what sets two SKUs apart that the eye does not see,
//! and a SKU as a shell word for the command it suggests.

use crate::domain::sku::is_invisible;

/// What sets two look-alike SKUs apart, in the seller's words, e.g. ` (they differ in
/// letter case)`; empty when none of these is found.
pub(super) fn difference(a: &str, b: &str) -> String {
    let count = |s: &str, f: fn(char) -> bool| s.chars().filter(|c| f(*c)).count();
    let differs = |f: fn(char) -> bool| count(a, f) != count(b, f);
    let invisible: String = a.chars().filter(|c| is_invisible(*c)).collect();
    let mut what = Vec::new();
    if invisible != b.chars().filter(|c| is_invisible(*c)).collect::<String>() {
        what.push("spaces (a no-break or zero-width space, say)");
    }
    if differs(char::is_uppercase) || differs(char::is_lowercase) {
        what.push("letter case");
    }
    if differs(|c| matches!(c, '\u{0370}'..='\u{03FF}' | '\u{0400}'..='\u{04FF}')) {
        what.push("Cyrillic or Greek letters that look Latin");
    }
    if differs(|c| matches!(c, '\u{FF01}'..='\u{FF5E}')) {
        what.push("full-width characters");
    }
    if differs(|c| c == '0') {
        what.push("leading zeros");
    }
    if what.is_empty() {
        String::new()
    } else {
        format!(" (they differ in {})", what.join(", "))
    }
}

/// `sku` as one word of a shell command: quoted unless it is plain.
pub(super) fn shell_word(sku: &str) -> String {
    let plain = sku
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./+:@".contains(c));
    if plain {
        sku.to_string()
    } else {
        format!("'{}'", sku.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_difference_is_named() {
        let cases = [
            ("ab-1", "AB-1", " (they differ in letter case)"),
            (
                "NB\u{a0}X",
                "NB X",
                " (they differ in spaces (a no-break or zero-width space, say))",
            ),
            (
                "А-100",
                "A-100",
                " (they differ in Cyrillic or Greek letters that look Latin)",
            ),
            ("7", "007", " (they differ in leading zeros)"),
            ("ＡＢ-1", "AB-1", " (they differ in full-width characters)"),
            (
                "x-7",
                "X-007",
                " (they differ in letter case, leading zeros)",
            ),
        ];
        for (a, b, want) in cases {
            assert_eq!(difference(a, b), want, "{a} vs {b}");
        }
    }

    #[test]
    fn a_sku_is_quoted_when_a_shell_would_split_it() {
        assert_eq!(shell_word("AB-1"), "AB-1");
        assert_eq!(shell_word("NB X"), "'NB X'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word("А-100"), "'А-100'");
    }
}
