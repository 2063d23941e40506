//! Comparing a secret someone gave (the admin token, a console form's CSRF token) with
//! the one we hold, shared by the admin API and the console.

/// Whether `given` is `token`, in a time that tells nothing of the token but its length:
/// every byte of the token is compared whatever `given` holds (no early exit on a
/// difference, no length check first: a length that differs is one more difference), and
/// the differences are gathered through `black_box` so that the compiler cannot turn the
/// loop back into one that stops at the first. (`subtle`'s `ct_eq` would do the same; it
/// is in the dependency tree only through rustls, and no hash crate is a dependency of
/// our own to compare digests with.)
pub fn is_token(given: &[u8], token: &[u8]) -> bool {
    let mut diff = std::hint::black_box(given.len() ^ token.len());
    for (i, t) in token.iter().enumerate() {
        // A `given` shorter than the token has already differed in length.
        let g = given.get(i).copied().unwrap_or(0);
        diff |= usize::from(std::hint::black_box(g ^ t));
    }
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_token_itself_passes() {
        let token = b"0123456789abcdef";
        assert!(is_token(token, token));
        for other in [
            &b""[..],
            b"0123456789abcde",
            b"0123456789abcdef0",
            b"1123456789abcdef",
            b"0123456789abcdee",
            b"0123456789abcdef\0",
        ] {
            assert!(!is_token(other, token), "{other:?}");
        }
    }
}
