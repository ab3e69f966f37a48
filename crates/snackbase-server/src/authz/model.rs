//! Permission data: operations, allowed fields and the per-operation rules
//! stored for a (role, collection) pair.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::ToSchema;

pub use crate::db::Operation;

/// Which fields an operation may see or write: all (`"*"`) or a list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Fields {
    #[default]
    All,
    List(Vec<String>),
}

impl Fields {
    pub fn allows(&self, field: &str) -> bool {
        match self {
            Self::All => true,
            Self::List(list) => list.iter().any(|f| f == field),
        }
    }

    /// The union of two field sets.
    pub fn union(&self, other: &Fields) -> Fields {
        match (self, other) {
            (Self::All, _) | (_, Self::All) => Self::All,
            (Self::List(a), Self::List(b)) => {
                let mut all = a.clone();
                for f in b {
                    if !all.contains(f) {
                        all.push(f.clone());
                    }
                }
                all.sort();
                Self::List(all)
            }
        }
    }
}

impl Serialize for Fields {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::All => s.serialize_str("*"),
            Self::List(list) => list.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            List(Vec<String>),
        }
        match Raw::deserialize(d)? {
            Raw::Text(s) if s == "*" => Ok(Self::All),
            Raw::Text(_) => Err(serde::de::Error::custom(
                "fields must be \"*\" or a list of field names",
            )),
            Raw::List(list) => {
                if list.iter().any(|f| f.trim().is_empty()) {
                    return Err(serde::de::Error::custom("field names cannot be blank"));
                }
                Ok(Self::List(list))
            }
        }
    }
}

/// One operation's rule and fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpRule {
    pub rule: String,
    /// `"*"` or a list of field names.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub fields: Fields,
}

/// The rules of one permission row, per operation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    pub create: Option<OpRule>,
    pub read: Option<OpRule>,
    pub update: Option<OpRule>,
    pub delete: Option<OpRule>,
}

impl RuleSet {
    pub fn get(&self, op: Operation) -> Option<&OpRule> {
        match op {
            Operation::Create => self.create.as_ref(),
            Operation::Read => self.read.as_ref(),
            Operation::Update => self.update.as_ref(),
            Operation::Delete => self.delete.as_ref(),
        }
    }

    pub fn set(&mut self, op: Operation, rule: Option<OpRule>) {
        match op {
            Operation::Create => self.create = rule,
            Operation::Read => self.read = rule,
            Operation::Update => self.update = rule,
            Operation::Delete => self.delete = rule,
        }
    }

    pub fn is_empty(&self) -> bool {
        Operation::ALL.iter().all(|op| self.get(*op).is_none())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip() {
        assert_eq!(
            serde_json::from_str::<Fields>("\"*\"").unwrap(),
            Fields::All
        );
        assert_eq!(
            serde_json::from_str::<Fields>("[\"a\"]").unwrap(),
            Fields::List(vec!["a".into()])
        );
        assert!(serde_json::from_str::<Fields>("\"a\"").is_err());
        assert_eq!(serde_json::to_string(&Fields::All).unwrap(), "\"*\"");
        let u = Fields::List(vec!["b".into()]).union(&Fields::List(vec!["a".into(), "b".into()]));
        assert_eq!(u, Fields::List(vec!["a".into(), "b".into()]));
    }
}
