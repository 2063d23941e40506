//! The backup file, pure: a header line of JSON that says what follows (format version,
//! program version, when, every tree with its entry count, the body's length and CRC-32),
//! then the body: each tree's entries in header order, each as a big-endian u32 key
//! length, the key, a u32 value length, the value. A restore checks all of it before it
//! writes anything.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What the header's `format` says: a file that is not a backup is told apart at once.
pub const FORMAT: &str = "promua-sync store backup";
/// The body layout this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupHeader {
    pub format: String,
    pub format_version: u32,
    /// The promua-sync version that wrote it.
    pub promua_sync: String,
    pub created_at: DateTime<Utc>,
    pub trees: Vec<TreeCount>,
    pub body_bytes: u64,
    pub crc32: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeCount {
    pub name: String,
    pub entries: u64,
}

/// The entries of one tree, in key order.
pub type Entries = Vec<(Vec<u8>, Vec<u8>)>;

/// Why a file cannot be restored.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadBackup(pub String);

/// Writes the file: header line, then body.
pub fn encode(trees: &[(&str, Entries)], created_at: DateTime<Utc>) -> Vec<u8> {
    let mut body = Vec::new();
    for (_, entries) in trees {
        for (k, v) in entries {
            for part in [k, v] {
                body.extend_from_slice(&(part.len() as u32).to_be_bytes());
                body.extend_from_slice(part);
            }
        }
    }
    let header = BackupHeader {
        format: FORMAT.to_string(),
        format_version: FORMAT_VERSION,
        promua_sync: env!("CARGO_PKG_VERSION").to_string(),
        created_at,
        trees: trees
            .iter()
            .map(|(name, e)| TreeCount {
                name: name.to_string(),
                entries: e.len() as u64,
            })
            .collect(),
        body_bytes: body.len() as u64,
        crc32: crc32fast::hash(&body),
    };
    // A header of strings and numbers always serializes.
    let mut out = serde_json::to_vec(&header).unwrap_or_default();
    out.push(b'\n');
    out.extend_from_slice(&body);
    out
}

/// Reads and checks a whole file: the header, the body's length and checksum, and that
/// the body holds exactly the entries the header counts, of trees `known` names.
pub fn decode(
    bytes: &[u8],
    known: &[&str],
) -> Result<(BackupHeader, Vec<(String, Entries)>), BadBackup> {
    let bad = |m: String| BadBackup(m);
    let newline = bytes
        .iter()
        .position(|b| *b == b'\n')
        .ok_or_else(|| bad("it is not a promua-sync store backup (no header line)".into()))?;
    let header: BackupHeader = serde_json::from_slice(&bytes[..newline]).map_err(|_| {
        bad("it is not a promua-sync store backup (its header does not read)".into())
    })?;
    if header.format != FORMAT {
        return Err(bad("it is not a promua-sync store backup".into()));
    }
    if header.format_version != FORMAT_VERSION {
        return Err(bad(format!(
            "it is a backup of format {} (written by promua-sync {}); this promua-sync reads format {FORMAT_VERSION}",
            header.format_version, header.promua_sync
        )));
    }
    let body = &bytes[newline + 1..];
    if body.len() as u64 != header.body_bytes {
        return Err(bad(format!(
            "it is truncated or damaged: its body has {} bytes, its header says {}",
            body.len(),
            header.body_bytes
        )));
    }
    if crc32fast::hash(body) != header.crc32 {
        return Err(bad("it is damaged: its checksum does not match".into()));
    }
    let mut trees = Vec::new();
    let mut at = 0usize;
    for tree in &header.trees {
        if !known.contains(&tree.name.as_str()) {
            return Err(bad(format!(
                "it holds a tree `{}` this promua-sync does not know (written by promua-sync {})",
                tree.name, header.promua_sync
            )));
        }
        let mut entries = Vec::new();
        for _ in 0..tree.entries {
            let k = take(body, &mut at).ok_or_else(|| short(&tree.name))?;
            let v = take(body, &mut at).ok_or_else(|| short(&tree.name))?;
            entries.push((k.to_vec(), v.to_vec()));
        }
        trees.push((tree.name.clone(), entries));
    }
    if at != body.len() {
        return Err(bad("it holds more entries than its header counts".into()));
    }
    Ok((header, trees))
}

fn short(tree: &str) -> BadBackup {
    BadBackup(format!(
        "it holds fewer `{tree}` entries than its header counts"
    ))
}

/// The next length-prefixed part of `body`, or `None` when it runs out.
fn take<'a>(body: &'a [u8], at: &mut usize) -> Option<&'a [u8]> {
    let len = body.get(*at..*at + 4)?;
    let len = u32::from_be_bytes(len.try_into().ok()?) as usize;
    let part = body.get(*at + 4..(*at + 4).checked_add(len)?)?;
    *at += 4 + len;
    Some(part)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let trees = vec![
            ("products", vec![(b"k1".to_vec(), b"v1".to_vec())]),
            ("stock", vec![(vec![0; 9], vec![]), (vec![1], vec![2; 300])]),
        ];
        encode(&trees, Utc::now())
    }

    #[test]
    fn round_trips() {
        let (header, trees) = decode(&sample(), &["products", "stock"]).unwrap();
        assert_eq!(header.trees[1].entries, 2);
        assert_eq!(trees[1].1[1], (vec![1], vec![2; 300]));
        assert_eq!(trees[0].1[0].0, b"k1");
    }

    #[test]
    fn refuses_damage_of_every_kind() {
        let good = sample();
        let known = ["products", "stock"];
        let mut flipped = good.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        let msg = decode(&flipped, &known).unwrap_err().0;
        assert!(msg.contains("checksum"), "{msg}");
        let msg = decode(&good[..good.len() - 3], &known).unwrap_err().0;
        assert!(msg.contains("truncated"), "{msg}");
        let msg = decode(b"sku,name\n", &known).unwrap_err().0;
        assert!(msg.contains("not a promua-sync store backup"), "{msg}");
        let msg = decode(&good, &["products"]).unwrap_err().0;
        assert!(msg.contains("`stock`"), "{msg}");
    }
}
