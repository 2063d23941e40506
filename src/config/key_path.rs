//! Key paths (`job[2].status_map.shipped`) and the walks over figment values that follow
//! them: printing a path, finding the value at one, and dropping a refused value so the
//! rest of its table can be read again.

use figment::value::{Dict, Value};

/// A key path segment: a table key or an array index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Seg {
    Key(String),
    Index(usize),
}

pub(super) fn key_string(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// The key path with array indexes left out: `job.batch_size` for `job[2].batch_size`.
pub(super) fn key_kind(path: &[Seg]) -> String {
    path.iter()
        .filter_map(|s| match s {
            Seg::Key(k) => Some(k.as_str()),
            Seg::Index(_) => None,
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// Where `rel` (a figment error path, or a `serde_ignored` path, split at dots) lies
/// under `base` in `value`: array positions become indexes.
pub(super) fn segs_under(base: &[Seg], value: &Value, rel: &[String]) -> Vec<Seg> {
    let mut out = base.to_vec();
    let mut current = Some(value);
    for part in rel {
        let next = match current {
            Some(Value::Array(_, items)) => match part.parse::<usize>() {
                Ok(i) => {
                    out.push(Seg::Index(i));
                    current = items.get(i);
                    continue;
                }
                Err(_) => None,
            },
            Some(Value::Dict(_, d)) => d.get(part.as_str()),
            _ => None,
        };
        out.push(Seg::Key(part.clone()));
        current = next;
    }
    out
}

/// The value at `rel` under `value`.
pub(super) fn value_at<'v>(value: &'v Value, rel: &[Seg]) -> Option<&'v Value> {
    let mut current = value;
    for seg in rel {
        current = match (seg, current) {
            (Seg::Key(k), Value::Dict(_, d)) => d.get(k.as_str())?,
            (Seg::Index(i), Value::Array(_, a)) => a.get(*i)?,
            _ => return None,
        };
    }
    Some(current)
}

/// Removes the key at `rel` (or the key holding the array `rel` points into) from
/// `dict`; returns the key path removed, or `None` when there was nothing to remove.
pub(super) fn remove_at(dict: &mut Dict, rel: &[Seg]) -> Option<Vec<Seg>> {
    let keys: Vec<&String> = rel
        .iter()
        .map_while(|s| match s {
            Seg::Key(k) => Some(k),
            Seg::Index(_) => None,
        })
        .collect();
    let (last, parents) = keys.split_last()?;
    let mut current = dict;
    for k in parents {
        current = match current.get_mut(k.as_str())? {
            Value::Dict(_, d) => d,
            _ => return None,
        };
    }
    current.remove(last.as_str())?;
    Some(keys.iter().map(|k| Seg::Key((*k).clone())).collect())
}
