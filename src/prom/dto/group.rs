use serde::{Deserialize, Serialize};

use super::lenient::{group_id, optional_id};
use super::listed::{ListItem, Listed};

/// A product group (`groups/list`). The root group is not listed. Ids are read from
/// numbers or numeric text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    #[serde(deserialize_with = "group_id")]
    pub id: i64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
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
