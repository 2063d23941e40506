//! How alike two product names are, for the link suggestions: the Dice coefficient of
//! their character pairs (of the names' look-alike keys, without spaces and punctuation),
//! held down to [`CONFLICT_CAP`] when the names contradict each other. Three kinds of
//! contradiction are recognised, and only these:
//!
//! - **Numbers.** The numbers in the names (runs of digits, leading zeros dropped) must be
//!   the same set: "iPhone 13" is not "iPhone 14", "128 GB" is not "256 GB", "USB 3.0" is
//!   not "USB 3.1". A number on one side only counts too ("Светр" vs "Светр 2024").
//! - **Model variants**: the words that name one ("Pro", "Max", "Ultra", "Active", …)
//!   must be the same set too: "iPhone 15 Pro" is not "iPhone 15 Pro Max".
//! - **Words of which a product has one value**, in Ukrainian, Russian and English: its
//!   gender (men's, women's), age group (children's, adult), side (left, right) and
//!   colour. Names holding different values ("чоловічий" and "жіночий", "синя" and
//!   "сіра") contradict each other; a name holding none says nothing, and one holding
//!   several ("унісекс: чоловічий і жіночий") agrees with each.
//!
//! The word lists are in [`words`]. Other differences (a size written as a letter, a
//! material) only lower the Dice score as any other changed word does.

mod words;

use std::collections::BTreeSet;

use crate::domain::sku;
use words::Marks;

/// The highest score of two names that contradict each other: below the export's
/// pre-fill and every sensible `--min-score` of `links accept`.
pub const CONFLICT_CAP: f64 = 0.6;

/// A name as the comparison needs it.
#[derive(Debug, Clone)]
pub struct Name {
    /// Character pairs of the name's [`sku::lookalike_key`] without spaces and
    /// punctuation, sorted, unique.
    grams: Vec<(char, char)>,
    /// The numbers in it, without leading zeros.
    numbers: BTreeSet<String>,
    /// Its words that must agree.
    marks: Marks,
}

impl Name {
    pub fn new(text: &str) -> Self {
        let lower = text.to_lowercase();
        let words: Vec<&str> = lower
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        // Compared as SKUs are: look-alike letters as one, without spaces or punctuation
        // ("200х220" with a Cyrillic х, "1,7л" and "1.7 л").
        let chars: Vec<char> = sku::lookalike_key(text)
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect();
        let mut grams: Vec<(char, char)> = chars.windows(2).map(|w| (w[0], w[1])).collect();
        grams.sort_unstable();
        grams.dedup();
        let numbers = lower
            .split(|c: char| !c.is_ascii_digit())
            .filter(|run| !run.is_empty())
            .map(|run| match run.trim_start_matches('0') {
                "" => "0".to_string(),
                n => n.to_string(),
            })
            .collect();
        let marks = Marks::new(&words);
        Self {
            grams,
            numbers,
            marks,
        }
    }

    /// Its character pairs, sorted, unique: what [`compare`]'s Dice coefficient counts
    /// (the candidate index of the suggestions filters on them).
    pub fn grams(&self) -> &[(char, char)] {
        &self.grams
    }

    /// A hash of its numbers: names whose keys differ have different numbers (so score at
    /// most [`CONFLICT_CAP`]); equal keys say nothing.
    pub fn numbers_key(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.numbers.hash(&mut h);
        h.finish()
    }
}

/// How alike two names are.
#[derive(Debug, Clone, PartialEq)]
pub struct NameScore {
    /// 0 to 1; at most [`CONFLICT_CAP`] when `conflict` is set.
    pub score: f64,
    /// What the names contradict each other on, e.g. "numbers differ: 13 ≠ 14".
    pub conflict: Option<String>,
}

fn dice(a: &[(char, char)], b: &[(char, char)]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut common) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    2.0 * common as f64 / (a.len() + b.len()) as f64
}

/// Numbers written in order of value ("9, 13, 128"), or "none".
fn list(numbers: Vec<&String>) -> String {
    if numbers.is_empty() {
        return "none".into();
    }
    let mut n = numbers;
    n.sort_by(|a, b| a.len().cmp(&b.len()).then(a.cmp(b)));
    n.into_iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// What `a` and `b` contradict each other on, `a`'s side first.
fn conflict(a: &Name, b: &Name) -> Option<String> {
    if a.numbers != b.numbers {
        return Some(format!(
            "numbers differ: {} ≠ {}",
            list(a.numbers.difference(&b.numbers).collect()),
            list(b.numbers.difference(&a.numbers).collect())
        ));
    }
    a.marks.conflict(&b.marks)
}

/// At least [`compare`]'s score of `a` and `b`, cheaply (the same when the numbers
/// differ): the candidate index skips what cannot enter a Prom product's best.
pub fn score_bound(a: &Name, b: &Name) -> f64 {
    let score = dice(&a.grams, &b.grams);
    if a.numbers != b.numbers {
        score.min(CONFLICT_CAP)
    } else {
        score
    }
}

/// Pure: how alike `a` and `b` are.
pub fn compare(a: &Name, b: &Name) -> NameScore {
    let score = dice(&a.grams, &b.grams);
    match conflict(a, b) {
        Some(c) => NameScore {
            score: score.min(CONFLICT_CAP),
            conflict: Some(c),
        },
        None => NameScore {
            score,
            conflict: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> NameScore {
        compare(&Name::new(a), &Name::new(b))
    }

    #[test]
    fn case_and_punctuation_do_not_count() {
        assert_eq!(cmp("abc", "ABC").score, 1.0);
        assert_eq!(cmp("Чайник, 1.7 л", "чайник 1,7 л").score, 1.0);
        assert!(cmp("Туристичний рюкзак, 40 л", "Рюкзак туристичний 40л").score > 0.7);
    }

    #[test]
    fn different_numbers_hold_the_score_down_and_say_so() {
        let s = cmp("Чохол для iPhone 13 Pro", "Чохол для iPhone 14 Pro");
        assert_eq!(s.score, CONFLICT_CAP);
        assert_eq!(s.conflict.as_deref(), Some("numbers differ: 13 ≠ 14"));
        let s = cmp("Смартфон 128GB 9", "Смартфон 9 256 GB");
        assert_eq!(s.conflict.as_deref(), Some("numbers differ: 128 ≠ 256"));
        let s = cmp("Светр 2024", "Светр");
        assert_eq!(s.conflict.as_deref(), Some("numbers differ: 2024 ≠ none"));
        assert_eq!(cmp("Бокал 007", "Бокал 7").conflict, None, "leading zeros");
        assert_eq!(cmp("USB 3.0", "USB 3.1").score, CONFLICT_CAP);
    }

    #[test]
    fn words_of_one_value_hold_the_score_down_and_others_do_not() {
        let s = cmp("Светр вовняний чоловічий", "Светр вовняний жіночий");
        assert_eq!(s.score, CONFLICT_CAP);
        assert_eq!(s.conflict.as_deref(), Some("чоловічий ≠ жіночий"));
        for (a, b) in [
            ("Свитер мужской", "Светр жіночий"),
            ("Рукавичка ліва", "Рукавичка права"),
            ("Левый наушник", "Правый наушник"),
            ("Кабель чорний", "Кабель білий"),
            ("Футболка синя M", "Футболка сіра M"),
            ("Футболка синяя", "Футболка голубая"),
            ("Куртка дитяча", "Куртка доросла"),
            ("Men's T-shirt", "Women's T-shirt"),
            ("Колонка red", "Колонка чорна"),
        ] {
            assert!(cmp(a, b).conflict.is_some(), "{a} vs {b}");
        }
        for (a, b) in [
            ("Іграшка Лев", "Іграшка Лев"),
            ("Кабель чорний", "Кабель"),
            ("Колонка JBL Black", "Колонка JBL чорна"),
            ("Шкарпетки чоловічі та жіночі", "Шкарпетки жіночі"),
            ("Стілець біля столу", "Стілець чорний"),
            ("Правило", "Левиця"),
            ("Лист сину", "Лист синій"),
            ("Браслет золото 585", "Браслет срібний 585"),
        ] {
            assert_eq!(cmp(a, b).conflict, None, "{a} vs {b}");
        }
    }

    #[test]
    fn model_variants_must_agree() {
        let s = cmp("Чохол для iPhone 15 Pro", "Чохол для iPhone 15 Pro Max");
        assert_eq!(s.score, CONFLICT_CAP);
        assert_eq!(
            s.conflict.as_deref(),
            Some("model variant differs: pro ≠ max pro")
        );
        assert!(cmp("Galaxy S23Ultra", "Galaxy S23").conflict.is_some());
        assert_eq!(cmp("iPhone 15Pro", "iPhone 15 Pro").conflict, None);
        assert_eq!(cmp("Proфесійний фен", "Фен професійний").conflict, None);
    }
}
