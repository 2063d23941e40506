use serde::{Deserialize, Serialize};

use super::lenient::{group_id, optional_id, optional_text};
use super::listed::{ListItem, Listed};

/// A product group (`groups/list`). The root group is not listed. Ids are read from
/// numbers or numeric text; the texts leniently (a number as its text, any other shape
/// as absent), so that an odd description never costs the group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    #[serde(deserialize_with = "group_id")]
    pub id: i64,
    #[serde(default, deserialize_with = "optional_text")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "optional_text")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "optional_text")]
    pub image: Option<String>,
    #[serde(default, deserialize_with = "optional_id")]
    pub parent_group_id: Option<i64>,
}

impl ListItem for Group {
    const WHAT: &'static str = "a group";
    const WHAT_PLURAL: &'static str = "groups";
}

/// `{"groups": [...]}`, read item by item (`listed.rs`): a group without a readable id
/// is skipped and named in `notes`.
#[derive(Debug, Clone, Deserialize)]
#[serde(from = "RawGroupsPage")]
pub struct GroupsPage {
    pub groups: Vec<Group>,
    pub skipped: usize,
    pub notes: Vec<String>,
}

#[derive(Deserialize)]
struct RawGroupsPage {
    groups: Listed<Group>,
}

impl From<RawGroupsPage> for GroupsPage {
    fn from(raw: RawGroupsPage) -> Self {
        Self {
            groups: raw.groups.items,
            skipped: raw.groups.skipped,
            notes: raw.groups.notes,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Found by the reliability suite's fuzzing (issue 17): a description sent as a list
    /// cost the whole group.
    #[test]
    fn odd_texts_read_as_absent_and_keep_the_group() {
        let page: GroupsPage = serde_json::from_value(json!({"groups": [
            {"id": 1, "name": 7, "description": [null, 1], "image": {"url": "x"}},
            {"id": "2", "name": "Кухня", "description": null, "parent_group_id": [1]},
        ]}))
        .unwrap();
        assert_eq!(
            (page.skipped, page.groups.len()),
            (0, 2),
            "{:?}",
            page.notes
        );
        let g = &page.groups[0];
        assert_eq!(
            (g.name.as_deref(), &g.description, &g.image),
            (Some("7"), &None, &None)
        );
        assert_eq!(
            (page.groups[1].id, page.groups[1].parent_group_id),
            (2, None)
        );
    }
}
