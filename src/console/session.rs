//! The console's sessions: in memory (a restart logs everyone out), each a random id
//! handed out as a cookie with its own CSRF token and an expiry. The admin token itself
//! is never put in a cookie.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a session lasts from its login.
pub const SESSION_TTL: Duration = Duration::from_secs(8 * 60 * 60);
/// Live sessions at most (a seller has a few browsers, not hundreds).
const MAX_SESSIONS: usize = 64;

#[derive(Clone)]
struct Session {
    csrf: String,
    expires: Instant,
}

#[derive(Default)]
pub struct Sessions {
    map: Mutex<HashMap<String, Session>>,
}

/// 32 bytes from the OS-seeded CSPRNG, as hex.
fn random_hex() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Sessions {
    /// A new session: its id (the cookie) and its CSRF token. Expired ones are dropped
    /// here, so that the map does not grow with logins.
    pub fn create(&self) -> (String, String) {
        let (id, csrf) = (random_hex(), random_hex());
        let now = Instant::now();
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, s| s.expires > now);
        // A script holding the token and looping on the login must not grow the map
        // without end: the session ending soonest goes.
        while map.len() >= MAX_SESSIONS {
            let Some(oldest) = map
                .iter()
                .min_by_key(|(_, s)| s.expires)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            map.remove(&oldest);
        }
        map.insert(
            id.clone(),
            Session {
                csrf: csrf.clone(),
                expires: now + SESSION_TTL,
            },
        );
        (id, csrf)
    }

    /// The CSRF token of the live session `id`.
    pub fn csrf(&self, id: &str) -> Option<String> {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.get(id)
            .filter(|s| s.expires > Instant::now())
            .map(|s| s.csrf.clone())
    }

    pub fn remove(&self, id: &str) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_are_random_and_end_on_logout() {
        let s = Sessions::default();
        let (a, csrf_a) = s.create();
        let (b, _) = s.create();
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(s.csrf(&a), Some(csrf_a));
        assert_eq!(s.csrf("nope"), None);
        s.remove(&a);
        assert_eq!(s.csrf(&a), None);
        assert!(s.csrf(&b).is_some());
    }

    #[test]
    fn logins_in_a_loop_keep_at_most_the_cap_the_newest_kept() {
        let s = Sessions::default();
        let first = s.create().0;
        let ids: Vec<String> = (0..MAX_SESSIONS * 2).map(|_| s.create().0).collect();
        let live = s.map.lock().unwrap().len();
        assert_eq!(live, MAX_SESSIONS);
        assert_eq!(s.csrf(&first), None, "the oldest went");
        assert!(s.csrf(ids.last().unwrap()).is_some(), "the newest stays");
    }
}
