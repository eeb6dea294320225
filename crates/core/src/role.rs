//! The four roles of DESIGN.md, stored as strings so a newer app's role never breaks an older one.

use crate::Lang;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Resident,
    GridWorker,
    Staff,
    Officer,
    /// A role written by a newer version; treated as having no rights.
    Unknown(String),
}

impl Role {
    pub const KNOWN: [Role; 4] = [Role::Resident, Role::GridWorker, Role::Staff, Role::Officer];

    pub fn as_str(&self) -> &str {
        match self {
            Role::Resident => "resident",
            Role::GridWorker => "grid_worker",
            Role::Staff => "staff",
            Role::Officer => "officer",
            Role::Unknown(s) => s,
        }
    }

    pub fn parse(s: &str) -> Role {
        match s {
            "resident" => Role::Resident,
            "grid_worker" => Role::GridWorker,
            "staff" => Role::Staff,
            "officer" => Role::Officer,
            other => Role::Unknown(other.to_owned()),
        }
    }

    pub fn label(&self, lang: Lang) -> &str {
        match self {
            Role::Resident => lang.pick("居民", "Resident"),
            Role::GridWorker => lang.pick("网格员", "Grid worker"),
            Role::Staff => lang.pick("社区工作者", "Community staff"),
            Role::Officer => lang.pick("部门人员", "Department officer"),
            Role::Unknown(_) => lang.pick("未知角色", "Unknown role"),
        }
    }

    /// Patrol is for the people who walk the grids and the staff who watch them.
    pub fn sees_patrol(&self) -> bool {
        matches!(self, Role::GridWorker | Role::Staff)
    }
}

impl serde::Serialize for Role {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Role {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(Role::parse(&s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_unknown_is_kept() {
        for r in Role::KNOWN {
            assert_eq!(Role::parse(r.as_str()), r);
        }
        assert_eq!(Role::parse("mayor"), Role::Unknown("mayor".into()));
        assert_eq!(Role::parse("mayor").as_str(), "mayor");
    }

    #[test]
    fn only_grid_workers_and_staff_see_patrol() {
        assert!(!Role::Resident.sees_patrol());
        assert!(Role::GridWorker.sees_patrol());
        assert!(Role::Staff.sees_patrol());
        assert!(!Role::Officer.sees_patrol());
        assert!(!Role::Unknown("x".into()).sees_patrol());
    }
}
