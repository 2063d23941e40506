//! SKU identity. Products match by *identical* SKU (trimmed); SKUs that only look alike
//! (case, a no-break space, a Cyrillic letter that looks Latin, leading zeros, width
//! variants) share a [`lookalike_key`], which the import reports as a hard case and the
//! suggestions rank first, never a silent match or a silent new product.

use icu_normalizer::ComposingNormalizerBorrowed;

/// Characters that show nothing: every Unicode space, and the zero-width ones
/// `char::is_whitespace` does not count.
pub fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' | '\u{180E}'
        )
}

/// The SKU matching uses: without invisible characters at either end; `None` when
/// nothing visible is left (a blank SKU).
pub fn clean(sku: &str) -> Option<&str> {
    let s = sku.trim_matches(is_invisible);
    (!s.is_empty()).then_some(s)
}

/// Why a SKU the seller typed is refused though not blank: a control character (`U+0000`,
/// a tab, a line break) inside it, which no one can type in Prom.ua's cabinet nor see in
/// an export. Prom's own SKUs are read as they come (leniently), never refused for it.
pub fn typed_refusal(sku: &str) -> Option<String> {
    let c = sku.chars().find(|c| c.is_control())?;
    Some(format!(
        "the SKU holds a control character (U+{:04X}): a SKU is visible text",
        u32::from(c)
    ))
}

/// What two SKUs that look alike have in common: NFKC, lower case, no invisible characters
/// anywhere, Cyrillic letters that look Latin written as Latin, and no leading zeros in a
/// run of digits (`007` and `7`).
pub fn lookalike_key(sku: &str) -> String {
    let nfkc = ComposingNormalizerBorrowed::new_nfkc().normalize(sku);
    let mut out = String::with_capacity(nfkc.len());
    // In a run of digits, zeros before the first other digit are dropped.
    let mut leading_zeros: Option<usize> = None;
    for c in nfkc.chars().flat_map(char::to_lowercase) {
        if is_invisible(c) {
            continue;
        }
        let c = latin_lookalike(c);
        if c.is_ascii_digit() {
            match leading_zeros {
                None if c == '0' => {
                    leading_zeros = Some(1);
                    continue;
                }
                Some(n) if c == '0' && n > 0 => {
                    leading_zeros = Some(n + 1);
                    continue;
                }
                _ => leading_zeros = Some(0),
            }
        } else {
            if leading_zeros.is_some_and(|n| n > 0) {
                // A run of zeros only: keep one.
                out.push('0');
            }
            leading_zeros = None;
        }
        out.push(c);
    }
    if leading_zeros.is_some_and(|n| n > 0) {
        out.push('0');
    }
    out
}

/// The Latin letter a lower-case Cyrillic (or Greek) letter is mistaken for, if any.
fn latin_lookalike(c: char) -> char {
    match c {
        'а' => 'a',
        'в' => 'b',
        'е' | 'ё' => 'e',
        'к' => 'k',
        'м' => 'm',
        'н' => 'h',
        'о' | 'ο' => 'o',
        'р' | 'ρ' => 'p',
        'с' => 'c',
        'т' => 't',
        'у' => 'y',
        'х' | 'χ' => 'x',
        'і' | 'ι' => 'i',
        'ј' => 'j',
        'ѕ' => 's',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_sku_with_a_control_character_is_refused_naming_it() {
        for (sku, code) in [
            ("\u{0}", "U+0000"),
            ("A\u{7}B", "U+0007"),
            ("A\nB", "U+000A"),
        ] {
            let why = typed_refusal(sku).unwrap();
            assert!(why.contains(code), "{sku:?}: {why}");
        }
        assert_eq!(typed_refusal("Чайник-1 A/B"), None);
    }

    #[test]
    fn blank_means_nothing_visible() {
        assert_eq!(clean("  AB-1\u{a0}"), Some("AB-1"));
        assert_eq!(clean("\u{200B}"), None);
        assert_eq!(clean(" \u{FEFF}\u{2060}\t"), None);
        assert_eq!(clean("A B"), Some("A B"));
    }

    #[test]
    fn lookalikes_share_a_key_and_others_do_not() {
        let same = [
            ("AB-1", "ab-1"),
            ("NB X", "NB\u{a0}X"),
            ("A-100", "А-100"), // Cyrillic А
            ("7", "007"),
            ("X-007", "x-7"),
            ("ＡＢ１", "AB1"), // full width
            ("0", "000"),
            ("PH\u{200B}-1", "PH-1"),
            ("CO-5", "СО-5"), // Cyrillic С, О
        ];
        for (a, b) in same {
            assert_eq!(lookalike_key(a), lookalike_key(b), "{a} ~ {b}");
        }
        let different = [
            ("CASE-13", "CASE-14"),
            ("A-100", "A-1000"),
            ("10", "1"),
            ("B-0", "B-"),
        ];
        for (a, b) in different {
            assert_ne!(lookalike_key(a), lookalike_key(b), "{a} vs {b}");
        }
    }
}
