//! Link suggestions: for each unlinked staged Prom product, the local product most likely
//! to be the same, one to one. Evidence in order of strength:
//!
//! 1. **The same SKU** (after [`sku::clean`]): score 1. Such a local product is offered to
//!    no other Prom product.
//! 2. **A SKU that looks alike** (the same [`sku::lookalike_key`]: case, spaces, Cyrillic
//!    look-alikes, leading zeros): score [`LOOKALIKE_SCORE`], unless the names contradict
//!    each other (then it ranks as a name).
//! 3. **The names**, each of the Prom product's names (every language) against the local
//!    one, the best taken ([`similarity::compare`]: names that contradict each other on
//!    numbers, model variants or words such as men's/women's score at most
//!    [`CONFLICT_CAP`](similarity::CONFLICT_CAP)).
//!
//! A stronger kind always outranks a weaker one, whatever the scores. The pairs are made
//! strongest first. A suggestion is `ambiguous` when another local product is as good
//! for the same Prom product, or the local product is the best for another Prom product
//! as well ("as good": of the same kind, within [`NEAR_TIE`]), or a better local product
//! went to another Prom product first. `links accept` never takes an ambiguous
//! suggestion by score ([`auto_accepts`]).

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::similarity::{self, Name, NameScore};
use crate::domain::sku;
use crate::store::{Product, StagedProduct};

/// The score of a SKU that looks like the Prom product's without being the same.
pub const LOOKALIKE_SCORE: f64 = 0.99;
/// Two candidates this close (of the same kind) are a tie.
pub const NEAR_TIE: f64 = 0.02;
/// Candidates kept per Prom product for the one-to-one pass and the tie checks.
const KEPT: usize = 5;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    pub prom_id: i64,
    pub prom_sku: Option<String>,
    pub prom_name: String,
    pub local_sku: String,
    pub local_name: String,
    /// 0 to 1: 1 for the same SKU, [`LOOKALIKE_SCORE`] for a look-alike SKU, else the
    /// names' similarity (Dice coefficient of character pairs, held down on a conflict).
    pub score: f64,
    /// Why: "same SKU", "SKU looks alike: …", "names alike", or what the names contradict
    /// each other on ("numbers differ: 13 ≠ 14"); for an ambiguous one, also the rival.
    #[serde(default)]
    pub reason: String,
    /// Another candidate is as good: `links accept` takes it only when asked by Prom id.
    #[serde(default)]
    pub ambiguous: bool,
}

/// Whether `links accept --min-score min` (no Prom ids named) takes the suggestion.
pub fn auto_accepts(s: &Suggestion, min_score: f64) -> bool {
    !s.ambiguous && s.score >= min_score
}

/// The kinds of evidence, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Name,
    LookalikeSku,
    SameSku,
}

#[derive(Debug, Clone)]
struct Candidate {
    kind: Kind,
    score: f64,
    local: usize,
    reason: String,
}

impl Candidate {
    /// Stronger first; then the lower local index (the older product).
    fn rank(&self, other: &Self) -> std::cmp::Ordering {
        other
            .kind
            .cmp(&self.kind)
            .then(other.score.total_cmp(&self.score))
            .then(self.local.cmp(&other.local))
    }

    /// Whether `other` is as good as `self`.
    fn tied_by(&self, other: &Self) -> bool {
        other.kind == self.kind && other.score >= self.score - NEAR_TIE
    }
}

struct Local<'a> {
    product: &'a Product,
    sku: Option<&'a str>,
    key: String,
    name: Name,
}

/// The best of the Prom product's names against a local name.
fn best_name(names: &[Name], local: &Name) -> (NameScore, bool) {
    let mut best: Option<(NameScore, bool)> = None;
    for (i, n) in names.iter().enumerate() {
        let s = similarity::compare(n, local);
        // On equal scores, a name without a contradiction is the better.
        let better = |b: &NameScore| {
            s.score > b.score
                || (s.score == b.score && b.conflict.is_some() && s.conflict.is_none())
        };
        if best.as_ref().is_none_or(|(b, _)| better(b)) {
            best = Some((s, i > 0));
        }
    }
    best.unwrap_or((
        NameScore {
            score: 0.0,
            conflict: None,
        },
        false,
    ))
}

fn name_candidate(local: usize, (s, other_language): (NameScore, bool), prefix: &str) -> Candidate {
    let reason = match (&s.conflict, other_language) {
        (Some(c), _) => format!("{prefix}{c}"),
        (None, false) => "names alike".into(),
        (None, true) => "names alike (in another language)".into(),
    };
    Candidate {
        kind: Kind::Name,
        score: s.score,
        local,
        reason,
    }
}

/// One Prom product as its candidates need it.
struct Query<'a> {
    staged: &'a StagedProduct,
    names: Vec<Name>,
    sku: Option<&'a str>,
    key: Option<String>,
}

impl<'a> Query<'a> {
    fn new(staged: &'a StagedProduct) -> Self {
        let sku = staged.sku.as_deref().and_then(sku::clean);
        Self {
            staged,
            names: std::iter::once(&staged.name)
                .chain(&staged.other_names)
                .map(|n| Name::new(n))
                .collect(),
            sku,
            key: sku.map(sku::lookalike_key).filter(|k| !k.is_empty()),
        }
    }

    /// The local product `li` as a candidate, if it is one.
    fn candidate(
        &self,
        li: usize,
        l: &Local,
        reserved: &HashMap<usize, HashSet<i64>>,
    ) -> Option<Candidate> {
        if reserved
            .get(&li)
            .is_some_and(|ids| !ids.contains(&self.staged.prom_id))
        {
            return None; // its SKU is another Prom product's
        }
        let c = if self.sku.is_some() && self.sku == l.sku {
            Candidate {
                kind: Kind::SameSku,
                score: 1.0,
                local: li,
                reason: "same SKU".into(),
            }
        } else if self.key.as_ref().is_some_and(|k| *k == l.key) {
            let names = best_name(&self.names, &l.name);
            let alike = format!(
                "SKU looks alike: {} ~ {}",
                self.sku.unwrap_or_default(),
                l.product.sku
            );
            if names.0.conflict.is_some() {
                name_candidate(li, names, &format!("{alike}, but "))
            } else {
                Candidate {
                    kind: Kind::LookalikeSku,
                    score: LOOKALIKE_SCORE,
                    local: li,
                    reason: alike,
                }
            }
        } else {
            name_candidate(li, best_name(&self.names, &l.name), "")
        };
        (c.score > 0.0).then_some(c)
    }
}

/// Every candidate of one Prom product, best first, at most [`KEPT`]: among every local
/// product, or among those the index finds (the same answer above its floor), skipping
/// those that cannot rank among the best kept.
fn candidates(
    staged: &StagedProduct,
    locals: &[Local],
    reserved: &HashMap<usize, HashSet<i64>>,
    index: Option<&mut index::Finder>,
) -> Vec<Candidate> {
    let q = Query::new(staged);
    let mut out: Vec<Candidate> = match index {
        None => locals
            .iter()
            .enumerate()
            .filter_map(|(li, l)| q.candidate(li, l, reserved))
            .collect(),
        Some(f) => found(&q, f, locals, reserved),
    };
    out.sort_by(|a, b| a.rank(b));
    out.truncate(KEPT);
    out
}

/// The best candidates (at most [`KEPT`]) among the local products the index finds: in
/// index order (as found), so that a name scoring no more than the last kept one cannot enter (on
/// equal scores the lower index ranks first), which a cheap bound tells.
fn found(
    q: &Query,
    f: &mut index::Finder,
    locals: &[Local],
    reserved: &HashMap<usize, HashSet<i64>>,
) -> Vec<Candidate> {
    let (by_sku, mut by_name) = f.find(q.sku, q.key.as_deref(), &q.names);
    let mut best: Vec<Candidate> = by_sku
        .iter()
        .filter_map(|li| q.candidate(*li, &locals[*li], reserved))
        .collect();
    best.sort_by(|a, b| a.rank(b));
    best.truncate(KEPT);
    let keys: Vec<u64> = q.names.iter().map(Name::numbers_key).collect();
    let mut at = 0;
    let mut switched = false;
    while at < by_name.len() {
        let li = by_name[at];
        at += 1;
        if by_sku.contains(&li) {
            continue; // found by SKU too (when switched): seen already
        }
        if best.len() == KEPT {
            let last = &best[KEPT - 1];
            if last.kind > Kind::Name {
                break; // no name can enter
            }
            let capped = last.score > similarity::CONFLICT_CAP
                || (last.score == similarity::CONFLICT_CAP && last.local < li);
            if capped && f.numbers_differ(li, &keys) {
                // At most the cap, which cannot enter, from here on: only names with the
                // numbers of one of the Prom product's names can, if fewer to look at.
                if !switched && let Some(rest) = f.same_numbers(&keys, li, by_name.len() - at) {
                    (by_name, at, switched) = (rest, 0, true);
                }
                continue;
            }
            let bound = q
                .names
                .iter()
                .map(|n| similarity::score_bound(n, &locals[li].name))
                .fold(0.0, f64::max);
            if last.score > bound || (last.score == bound && last.local < li) {
                continue;
            }
        }
        if let Some(c) = q.candidate(li, &locals[li], reserved) {
            let at = best.partition_point(|b| b.rank(&c).is_lt());
            best.insert(at, c);
            best.truncate(KEPT);
        }
    }
    best
}

/// Pure: for each staged product the likeliest local product, one to one (the strongest
/// pairs first), at or above `min_score` (after rounding to 3 decimals, as shown). Which
/// pairs are made does not depend on `min_score`.
pub fn suggest(staged: &[StagedProduct], locals: &[Product], min_score: f64) -> Vec<Suggestion> {
    let indexed = staged.len().saturating_mul(locals.len()) > index::EXHAUSTIVE_UP_TO;
    suggest_with(staged, locals, min_score, indexed)
}

/// [`suggest`], comparing every pair (`indexed` false) or through the candidate index.
fn suggest_with(
    staged: &[StagedProduct],
    locals: &[Product],
    min_score: f64,
    indexed: bool,
) -> Vec<Suggestion> {
    let locals: Vec<Local> = locals
        .iter()
        .map(|p| Local {
            product: p,
            sku: sku::clean(&p.sku),
            key: sku::lookalike_key(&p.sku),
            name: Name::new(&p.name),
        })
        .collect();
    // A local product is kept for the Prom products with its very SKU.
    let by_sku: HashMap<&str, Vec<usize>> = locals
        .iter()
        .enumerate()
        .filter_map(|(li, l)| Some((l.sku?, li)))
        .fold(HashMap::new(), |mut m, (s, li)| {
            m.entry(s).or_insert_with(Vec::new).push(li);
            m
        });
    let mut reserved: HashMap<usize, HashSet<i64>> = HashMap::new();
    for s in staged {
        if let Some(lis) = s
            .sku
            .as_deref()
            .and_then(sku::clean)
            .and_then(|k| by_sku.get(k))
        {
            for li in lis {
                reserved.entry(*li).or_default().insert(s.prom_id);
            }
        }
    }
    let mut finder = indexed.then(|| index::Finder::new(&locals, min_score));
    let all: Vec<Vec<Candidate>> = staged
        .iter()
        .map(|s| candidates(s, &locals, &reserved, finder.as_mut()))
        .collect();
    let mut order: Vec<(usize, &Candidate)> = all
        .iter()
        .enumerate()
        .flat_map(|(si, cs)| cs.iter().map(move |c| (si, c)))
        .collect();
    order.sort_by(|a, b| {
        a.1.rank(b.1)
            .then(staged[a.0].prom_id.cmp(&staged[b.0].prom_id))
    });
    let mut p = Pairing {
        staged,
        locals: &locals,
        all: &all,
        wanted: HashMap::new(),
        owner: HashMap::new(),
    };
    // The Prom products each local product is the best (or as good as the best) for.
    for (si, c) in &order {
        if all[*si][0].tied_by(c) {
            p.wanted.entry(c.local).or_default().push((*si, c));
        }
    }
    let mut done = HashSet::new();
    let mut out = Vec::new();
    for (si, c) in order {
        if done.contains(&si) || p.owner.contains_key(&c.local) {
            continue;
        }
        done.insert(si);
        p.owner.insert(c.local, si);
        let score = (c.score * 1000.0).round() / 1000.0;
        if score < min_score {
            continue;
        }
        let (s, l) = (&staged[si], locals[c.local].product);
        let mut rival = p.rival(si, c);
        // Under the index's floor the index may have missed a rival as good: such a pair
        // is a guess, never linked by score (`links accept --min-score`).
        if rival.is_none() && finder.is_some() && score < index::FLOOR {
            rival = Some(format!(
                "under {} on a big catalogue, not compared with every product",
                index::FLOOR
            ));
        }
        out.push(Suggestion {
            prom_id: s.prom_id,
            prom_sku: s.sku.clone(),
            prom_name: s.name.clone(),
            local_sku: l.sku.clone(),
            local_name: l.name.clone(),
            score,
            reason: match &rival {
                Some(r) => format!("{}; ambiguous: {r}", c.reason),
                None => c.reason.clone(),
            },
            ambiguous: rival.is_some(),
        });
    }
    out.sort_by_key(|s| s.prom_id);
    out
}

/// The one-to-one pass over the candidates of every Prom product.
struct Pairing<'a> {
    staged: &'a [StagedProduct],
    locals: &'a [Local<'a>],
    /// Per Prom product (index in `staged`), its candidates, best first.
    all: &'a [Vec<Candidate>],
    /// Per local product, the Prom products it is the best (or as good as the best) for.
    wanted: HashMap<usize, Vec<(usize, &'a Candidate)>>,
    /// Local products paired so far, and with which Prom product.
    owner: HashMap<usize, usize>,
}

impl Pairing<'_> {
    /// What makes the pair (`si`, `c`) a guess, if anything: another local product as good
    /// for this Prom product, another Prom product this local product is as good for, or a
    /// better local product taken by another Prom product first.
    fn rival(&self, si: usize, c: &Candidate) -> Option<String> {
        let sku = |li: usize| &self.locals[li].product.sku;
        let prom = |sj: usize| self.staged[sj].prom_id;
        let mine = &self.all[si];
        let best = &mine[0];
        if let Some(sj) = self.owner.get(&best.local).filter(|sj| **sj != si) {
            return Some(format!(
                "{} scores {:.3} but went to Prom product {}",
                sku(best.local),
                best.score,
                prom(*sj)
            ));
        }
        if let Some(o) = mine.iter().find(|o| o.local != c.local && c.tied_by(o)) {
            return Some(format!("{} scores {:.3} too", sku(o.local), o.score));
        }
        let wanted = self.wanted.get(&c.local).map_or(&[][..], Vec::as_slice);
        let (sj, o) = wanted.iter().find(|(sj, o)| *sj != si && c.tied_by(o))?;
        Some(format!(
            "it scores {:.3} for Prom product {} too",
            o.score,
            prom(*sj)
        ))
    }
}

mod index;
#[cfg(test)]
mod tests;
