//! The words of a name that must agree for a high score: those of which a product has one
//! value (its gender, age group, side, colour) and those that name a model's variant.
//! Kept small on purpose; each list is a kind of variant a catalogue commonly sells under
//! otherwise identical names.

/// How a Ukrainian or Russian adjective ends after its stem: a stem counts only as an
/// adjective ("лівий", "левая", "синя"), never as the start of another word ("лев",
/// "біля", "правило", "сину").
#[derive(Clone, Copy)]
enum Endings {
    Hard,
    Soft,
}

const HARD: &[&str] = &[
    "ий", "а", "е", "і", "ого", "ому", "ім", "ої", "ій", "у", "ою", "их", "ими", "ый", "ая", "ое",
    "ые", "ой", "ую", "ых", "ым", "ыми", "ом",
];
const SOFT: &[&str] = &[
    "ій", "я", "є", "і", "ього", "ьому", "ім", "ьої", "ю", "ьою", "іх", "іми", "ий", "яя", "ее",
    "ие", "его", "ему", "ей", "юю", "их", "им", "ими",
];

/// One value of a [`Group`]: adjective stems and whole English words.
struct Value {
    stems: &'static [&'static str],
    endings: Endings,
    words: &'static [&'static str],
}

const fn hard(stems: &'static [&'static str], words: &'static [&'static str]) -> Value {
    Value {
        stems,
        endings: Endings::Hard,
        words,
    }
}

/// Words of which a product has one value: two names holding values of a group, none in
/// common, are two products ("чоловічий ≠ жіночий"). A name holding none says nothing,
/// and one holding several ("чоловічий і жіночий") agrees with each of them.
struct Group(&'static [Value]);

const GROUPS: &[Group] = &[
    Group(&[
        hard(&["чоловіч", "мужск"], &["men", "mens", "male"]),
        hard(&["жіноч", "женск"], &["women", "womens", "female"]),
    ]),
    Group(&[
        hard(&["дитяч", "детск"], &["kids", "children", "child"]),
        hard(&["доросл", "взросл"], &["adult", "adults"]),
    ]),
    Group(&[
        hard(&["лів", "лев"], &["left"]),
        hard(&["прав"], &["right"]),
    ]),
    Group(&[
        hard(&["чорн", "черн"], &["black"]),
        hard(&["біл", "бел"], &["white"]),
        hard(&["червон", "красн"], &["red"]),
        Value {
            stems: &["син"],
            endings: Endings::Soft,
            words: &["blue", "navy"],
        },
        hard(&["блакитн", "голуб"], &[]),
        hard(&["зелен"], &["green"]),
        hard(&["жовт", "желт"], &["yellow"]),
        hard(&["сір", "сер"], &["grey", "gray"]),
        hard(&["рожев", "розов"], &["pink"]),
        hard(&["коричнев"], &["brown"]),
        hard(&["фіолетов", "фиолетов"], &["purple", "violet"]),
        hard(&["помаранчев", "оранжев"], &["orange"]),
        hard(&["бежев"], &["beige"]),
        hard(&["срібн", "серебрист", "серебрян"], &["silver"]),
        hard(&["золот"], &["gold"]),
    ]),
];

/// Words that name a variant of a model ("iPhone 15 Pro Max", "Galaxy S23 Ultra",
/// "Redmi Watch 3 Active"): two names must hold the same of them, as they must hold the
/// same numbers.
const VARIANTS: &[&str] = &[
    "pro", "max", "mini", "plus", "lite", "ultra", "air", "se", "fe", "neo", "active",
];

fn matches(v: &Value, word: &str) -> bool {
    let endings = match v.endings {
        Endings::Hard => HARD,
        Endings::Soft => SOFT,
    };
    v.words.contains(&word)
        || v.stems.iter().any(|stem| {
            word.strip_prefix(stem)
                .is_some_and(|end| endings.contains(&end))
        })
}

/// What a name says in each [`GROUPS`] group (per value, the first word saying it) and
/// which [`VARIANTS`] it holds.
#[derive(Debug, Clone, Default)]
pub(super) struct Marks {
    values: Vec<Vec<(usize, String)>>,
    variants: Vec<&'static str>,
}

impl Marks {
    /// `words`: the name's lower-cased words (runs of letters and digits).
    pub(super) fn new(words: &[&str]) -> Self {
        let values = GROUPS
            .iter()
            .map(|g| {
                g.0.iter()
                    .enumerate()
                    .filter_map(|(i, v)| {
                        let w = words.iter().find(|w| matches(v, w))?;
                        Some((i, w.to_string()))
                    })
                    .collect()
            })
            .collect();
        // "15Pro", "S23Ultra": the letters of a word apart from its digits.
        let mut variants: Vec<&'static str> = VARIANTS
            .iter()
            .copied()
            .filter(|v| {
                words
                    .iter()
                    .flat_map(|w| w.split(|c: char| c.is_ascii_digit()))
                    .any(|part| part == *v)
            })
            .collect();
        variants.sort_unstable();
        Self { values, variants }
    }

    /// What `self` and `other` contradict each other on, `self`'s side first.
    pub(super) fn conflict(&self, other: &Self) -> Option<String> {
        for (a, b) in self.values.iter().zip(&other.values) {
            let shared = a.iter().any(|(i, _)| b.iter().any(|(j, _)| i == j));
            if let (Some((_, x)), Some((_, y)), false) = (a.first(), b.first(), shared) {
                return Some(format!("{x} ≠ {y}"));
            }
        }
        if self.variants != other.variants {
            let list = |v: &[&str]| match v.join(" ") {
                s if s.is_empty() => "none".to_string(),
                s => s,
            };
            return Some(format!(
                "model variant differs: {} ≠ {}",
                list(&self.variants),
                list(&other.variants)
            ));
        }
        None
    }
}
