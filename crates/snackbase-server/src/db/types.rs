//! Small typed values shared by the features above the database layer.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What is done to a record: the four operations rules are written for, and
/// (without `Read`) the kinds of change the change feed carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    Create,
    Read,
    Update,
    Delete,
}

impl Operation {
    pub const ALL: [Operation; 4] = [Self::Create, Self::Read, Self::Update, Self::Delete];

    pub fn name(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Read => "read",
            Self::Update => "update",
            Self::Delete => "delete",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        Self::ALL
            .into_iter()
            .find(|op| op.name().eq_ignore_ascii_case(raw))
    }

    /// A writing operation named by `raw` (`create`, `update`, `delete`).
    pub fn parse_write(raw: &str) -> Option<Self> {
        Self::parse(raw).filter(|op| *op != Self::Read)
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::Operation;

    #[test]
    fn operations_parse_by_name_in_any_case() {
        assert_eq!(Operation::parse(" Update "), Some(Operation::Update));
        assert_eq!(Operation::parse("readx"), None);
        assert_eq!(Operation::parse_write("read"), None);
        assert_eq!(Operation::parse_write("DELETE"), Some(Operation::Delete));
        assert_eq!(Operation::Create.to_string(), "create");
    }
}
