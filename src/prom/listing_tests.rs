use super::*;

fn shown(groups: &[(Option<i64>, usize, i64)]) -> BTreeMap<Option<i64>, GroupShown> {
    groups
        .iter()
        .map(|&(g, count, min)| (g, GroupShown { count, min }))
        .collect()
}

#[test]
fn the_bound_is_learnt_from_the_first_page_below_a_cursor() {
    let mut p = Paging::default();
    assert_eq!(p.cursor_below(50), 50, "unknown: as if exclusive");
    p.learn(None, &[99, 98]);
    assert_eq!(p.cursor_below(98), 98, "the first page says nothing");
    p.learn(Some(98), &[98, 97]);
    assert_eq!(p.cursor_below(97), 96, "inclusive: ask below the smallest");
    p.learn(Some(96), &[95]);
    assert_eq!(p.cursor_below(95), 94, "learnt once");

    let mut p = Paging::default();
    p.learn(Some(98), &[]);
    assert_eq!(p.inclusive, None, "an empty page says nothing");
    p.learn(Some(98), &[97]);
    assert_eq!(p.cursor_below(97), 97, "exclusive");
}

#[test]
fn only_a_page_with_nothing_new_ends_a_listing() {
    let mut p = Paging::default();
    p.learn(None, &[5, 4]);
    assert!(
        !p.ends(true),
        "a short page may come midway (prom-api.md section 2)"
    );
    assert!(p.ends(false), "nothing new ends it");
    p.learn(None, &(1..=100).collect::<Vec<_>>());
    assert!(!p.ends(true), "not even after full pages");
}

#[test]
fn a_root_only_listing_walks_every_other_group_and_probes_the_root_once() {
    let listed = BTreeSet::from([10, 20, 30]);
    let reads = group_reads(Some(1), &shown(&[(Some(1), 500, 3)]), &listed, 5);
    assert_eq!(reads.walk, vec![10, 20, 30]);
    assert_eq!(
        (reads.probe, reads.probe_first),
        (vec![(1, 3)], 1),
        "a root listing may stop short"
    );
    // An empty default listing says nothing either.
    let reads = group_reads(None, &BTreeMap::new(), &listed, 1);
    assert_eq!(reads.walk, vec![10, 20, 30]);
    // The root listed by `groups/list` after all is still not walked twice.
    let reads = group_reads(Some(10), &shown(&[(Some(10), 1, 3)]), &listed, 1);
    assert_eq!(reads.walk, vec![20, 30]);
}

#[test]
fn a_covering_listing_walks_only_groups_it_left_out_and_probes_those_reaching_lowest() {
    let listed: BTreeSet<i64> = (10..70).step_by(10).collect();
    let seen = shown(&[
        (Some(1), 300, 7),
        (Some(10), 900, 11),
        (Some(20), 50, 25),
        (Some(99), 400, 8), // not in `groups/list`: probed too, refused or not
        (None, 2, 5),
    ]);
    let reads = group_reads(Some(1), &seen, &listed, 17);
    assert_eq!(
        reads.walk,
        vec![30, 40, 50, 60],
        "groups it showed nothing of"
    );
    // A listing cut at some id misses what lies below it: the groups whose shown ids
    // come down lowest are probed first (not the largest: a big recent group may have
    // nothing below the cut).
    assert_eq!(reads.probe, vec![(1, 7), (99, 8), (10, 11), (20, 25)]);
    assert_eq!(reads.probe_first, 1, "one probe per 20 pages");
    assert_eq!(group_reads(Some(1), &seen, &listed, 41).probe_first, 3);
    assert_eq!(group_reads(Some(1), &seen, &listed, 40).probe_first, 2);
    assert_eq!(group_reads(Some(1), &seen, &listed, 900).probe_first, 4);
}

#[test]
fn products_without_a_group_or_an_answer_without_one_are_not_the_root_shape() {
    let listed = BTreeSet::from([10, 20]);
    let reads = group_reads(Some(1), &shown(&[(None, 3, 4)]), &listed, 1);
    assert_eq!(reads.walk, vec![10, 20]);
    assert!(reads.probe.is_empty());
    let reads = group_reads(None, &shown(&[(Some(10), 3, 4)]), &listed, 1);
    assert_eq!((reads.walk, reads.probe), (vec![20], vec![(10, 4)]));
}
