//! "Did you mean": the known word a mistyped one was meant to be (a config key, an order
//! status), by an edit distance that counts a swap of two neighbours as one edit.

/// The known word closest to `unknown`, if it is close enough to be a typo: at most a
/// third of its characters (at least one) edited.
pub fn closest<'k>(unknown: &str, known: &[&'k str]) -> Option<&'k str> {
    let limit = (unknown.chars().count() / 3).max(1);
    known
        .iter()
        .map(|k| (distance(unknown, k), *k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Edit distance counting a swap of two neighbours as one edit.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_their_word() {
        let known = ["status", "reason", "text"];
        assert_eq!(closest("reasn", &known), Some("reason"));
        assert_eq!(
            closest("token_fiel", &["token_file", "token"]),
            Some("token_file")
        );
        assert_eq!(closest("colour", &known), None);
        let statuses = ["pending", "received", "delivered", "canceled", "paid"];
        assert_eq!(closest("recieved", &statuses), Some("received"));
        assert_eq!(closest("deliverd", &statuses), Some("delivered"));
        assert_eq!(closest("cancelled", &statuses), Some("canceled"));
        assert_eq!(closest("awaiting_prepayment", &statuses), None);
    }
}
