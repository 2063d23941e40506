use serde::{Deserialize, Serialize};

/// A product group (`groups/list`). The root group is not listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub id: i64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub image: Option<String>,
    #[serde(default)]
    pub parent_group_id: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GroupsPage {
    pub groups: Vec<Group>,
}
