//! Who may read and write which document (DESIGN.md, "Documents: who writes what").
//!
//! The server answers every (document, member) question from here, and the app uses the same
//! table to know which documents to hold. Content rules (which paths of a writable document a
//! member may change) are the modules' [`WriteRules`]; this table decides only whether a
//! member sees a document at all, and whether their changes are looked at or refused whole.

use crate::rules::{DocContext, WriteRules};
use crate::{CommunityId, DocId, DocKind, MemberId, Role};

/// What the server knows a document to be. Documents are scoped when the server learns of
/// them (derived ids it can recompute, records it indexes), never by what a client claims.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Scope {
    /// One per community (directory, points, staff) or per community and period (help).
    Community {
        community: CommunityId,
        kind: DocKind,
    },
    /// A document about one member (their profile).
    Member {
        community: CommunityId,
        kind: DocKind,
        subject: MemberId,
    },
    /// A document of two members only (help-private: the requester and the chosen helper).
    Pair {
        community: CommunityId,
        kind: DocKind,
        members: [MemberId; 2],
    },
    /// A grid's document (its patrol log): the grid's assigned workers write it, the
    /// community's staff read it.
    Grid {
        community: CommunityId,
        grid: String,
        kind: DocKind,
    },
    /// A city department's own document (the index of what is addressed to it): its
    /// officers read it, whichever community they joined through; only the server writes.
    Department { department: String, kind: DocKind },
    /// One case across audiences (an escalation): the worker who reported it, the
    /// community's staff (who reassign it), and the officers of the department it is addressed to, if that
    /// department serves the community.
    Case {
        community: CommunityId,
        kind: DocKind,
        reporter: MemberId,
        department: String,
    },
    /// A document a member made under a random id, as any automerge-repo peer may: theirs
    /// alone, with no Linli schema.
    Personal { owner: MemberId },
}

/// A department an officer works for, and the communities it serves, as the server's
/// records say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Posting {
    pub department: String,
    pub serves: Vec<CommunityId>,
}

/// The member asking, as the server's records (never a document) say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reader {
    pub member: MemberId,
    pub role: Role,
    pub community: CommunityId,
    /// The grids a grid worker is assigned to (in `community`).
    pub grids: Vec<String>,
    /// The department an officer works for.
    pub posting: Option<Posting>,
}

impl Reader {
    /// A member with no assignments.
    pub fn new(member: MemberId, role: Role, community: CommunityId) -> Reader {
        Reader {
            member,
            role,
            community,
            grids: Vec::new(),
            posting: None,
        }
    }

    fn officer_of(&self, department: &str) -> bool {
        self.role == Role::Officer
            && self
                .posting
                .as_ref()
                .is_some_and(|p| p.department == department)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    /// The document is not shared: asking for it looks the same as asking for nothing.
    None,
    /// Sent to the member; any change they send is refused.
    Read,
    /// Changes are taken, each checked against the kind's write rules.
    Write,
}

impl Scope {
    pub fn kind(&self) -> Option<&DocKind> {
        match self {
            Scope::Community { kind, .. }
            | Scope::Member { kind, .. }
            | Scope::Pair { kind, .. }
            | Scope::Grid { kind, .. }
            | Scope::Department { kind, .. }
            | Scope::Case { kind, .. } => Some(kind),
            Scope::Personal { .. } => None,
        }
    }

    pub fn context(&self) -> DocContext {
        match self {
            Scope::Member { subject, .. } => DocContext {
                subject: Some(subject.clone()),
            },
            _ => DocContext::default(),
        }
    }
}

pub fn access(reader: &Reader, scope: &Scope) -> Access {
    match scope {
        Scope::Personal { owner } => {
            if *owner == reader.member {
                Access::Write
            } else {
                Access::None
            }
        }
        Scope::Pair {
            community, members, ..
        } => {
            if *community == reader.community && members.contains(&reader.member) {
                Access::Write
            } else {
                Access::None
            }
        }
        Scope::Grid {
            community, grid, ..
        } => {
            if *community != reader.community {
                Access::None
            } else if reader.role == Role::GridWorker && reader.grids.contains(grid) {
                Access::Write
            } else if reader.role == Role::Staff {
                Access::Read
            } else {
                Access::None
            }
        }
        Scope::Department { department, .. } => {
            if reader.officer_of(department) {
                Access::Read
            } else {
                Access::None
            }
        }
        Scope::Case {
            community,
            reporter,
            department,
            ..
        } => {
            let serves = reader
                .posting
                .as_ref()
                .is_some_and(|p| p.serves.contains(community));
            let reporter_here = *community == reader.community && *reporter == reader.member;
            // Staff write too: a case a department returned is theirs to reassign (the
            // escalation's rules give them that step and opening the case that follows).
            let staff_here = *community == reader.community && reader.role == Role::Staff;
            if reporter_here || staff_here || (reader.officer_of(department) && serves) {
                Access::Write
            } else {
                Access::None
            }
        }
        // A community's or a member's document: its kind's module decides, within the
        // community alone.
        Scope::Community { community, kind }
        | Scope::Member {
            community, kind, ..
        } => match crate::registry::kind(kind) {
            Some(k) if *community == reader.community => (k.access)(reader, scope),
            _ => Access::None,
        },
    }
}

/// Every member of the community writes (under the kind's rules).
pub fn members_write(_: &Reader, _: &Scope) -> Access {
    Access::Write
}

/// Every member of the community reads; only the server writes.
pub fn members_read(_: &Reader, _: &Scope) -> Access {
    Access::Read
}

/// The community's staff alone, writing.
pub fn staff_write(reader: &Reader, _: &Scope) -> Access {
    if reader.role == Role::Staff {
        Access::Write
    } else {
        Access::None
    }
}

/// Never as a community's or a member's document: the kind lives in another scope only.
pub fn never(_: &Reader, _: &Scope) -> Access {
    Access::None
}

/// The write rules of a kind, for the kinds whose module has declared them. A writable
/// document of a kind without rules takes no changes but its genesis.
pub fn rules(kind: &DocKind) -> Option<&'static WriteRules> {
    crate::registry::kind(kind).and_then(|k| k.rules)
}

pub fn staff_id(community: &CommunityId) -> DocId {
    DocId::derive(community, DocKind::STAFF.as_str(), "")
}

/// The help-private document of each request of help document `help` that has a chosen
/// helper, and its pair: the requester and that helper. A pair's document never changes
/// hands; another helper chosen later means another document.
pub fn pairs_of(
    community: &CommunityId,
    help: &DocId,
    requests: Vec<crate::help::Request>,
) -> Vec<(DocId, Scope)> {
    requests
        .into_iter()
        .filter_map(|r| {
            let helper = r.accepted.clone()?;
            Some((
                crate::help_private::doc_id(community, help, &r.id, &helper),
                Scope::Pair {
                    community: community.clone(),
                    kind: DocKind::HELP_PRIVATE,
                    members: [r.author, helper],
                },
            ))
        })
        .collect()
}

/// A member's own documents.
pub fn member_docs(community: &CommunityId, member: &MemberId) -> Vec<(DocId, Scope)> {
    vec![(
        profile_id(community, member),
        Scope::Member {
            community: community.clone(),
            kind: DocKind::PROFILE,
            subject: member.clone(),
        },
    )]
}

pub fn profile_id(community: &CommunityId, member: &MemberId) -> DocId {
    DocId::derive(community, DocKind::PROFILE.as_str(), member.as_str())
}

pub fn directory_id(community: &CommunityId) -> DocId {
    DocId::derive(community, DocKind::DIRECTORY.as_str(), "")
}

/// A grid's document for a month (`kind` names which): the grid's workers write it, the
/// community's staff read it.
pub fn grid_doc(
    community: &CommunityId,
    kind: &DocKind,
    grid: &str,
    month: &str,
) -> (DocId, Scope) {
    (
        DocId::derive(community, kind.as_str(), &format!("{grid}/{month}")),
        Scope::Grid {
            community: community.clone(),
            grid: grid.to_owned(),
            kind: kind.clone(),
        },
    )
}

/// A department's own document. Departments serve many communities, so its id is derived
/// under the city, not a community.
pub fn department_doc(kind: &DocKind, department: &str) -> (DocId, Scope) {
    (
        DocId::derive(&CommunityId(CITY.to_owned()), kind.as_str(), department),
        Scope::Department {
            department: department.to_owned(),
            kind: kind.clone(),
        },
    )
}

/// What department documents are derived under: not a slug, so no community has it.
const CITY: &str = "@city";

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(member: &str, role: Role, community: &str) -> Reader {
        Reader::new(
            MemberId::parse(member).unwrap(),
            role,
            CommunityId::parse(community).unwrap(),
        )
    }

    fn community(kind: DocKind) -> Scope {
        Scope::Community {
            community: CommunityId::parse("huqian-2").unwrap(),
            kind,
        }
    }

    #[test]
    fn residents_never_see_staff_or_unknown_documents() {
        let r = reader("r1", Role::Resident, "huqian-2");
        // A kind no module of this build declares is nobody's, as a community's document.
        for kind in [
            DocKind::STAFF,
            DocKind::parse("patrol"),
            DocKind::HELP_PRIVATE,
        ] {
            assert_eq!(
                access(&r, &community(kind.clone())),
                Access::None,
                "{kind:?}"
            );
        }
        assert_eq!(access(&r, &community(DocKind::HELP)), Access::Write);
        assert_eq!(access(&r, &community(DocKind::DIRECTORY)), Access::Read);
        let s = reader("s1", Role::Staff, "huqian-2");
        assert_eq!(access(&s, &community(DocKind::STAFF)), Access::Write);
    }

    #[test]
    fn nobody_reaches_another_community() {
        let s = reader("s1", Role::Staff, "huazhong");
        for kind in DocKind::known() {
            assert_eq!(
                access(&s, &community(kind.clone())),
                Access::None,
                "{kind:?}"
            );
        }
    }

    #[test]
    fn the_directory_is_read_only_to_everyone() {
        for role in Role::KNOWN {
            let m = reader("m1", role, "huqian-2");
            assert_eq!(access(&m, &community(DocKind::DIRECTORY)), Access::Read);
        }
    }

    #[test]
    fn a_profile_is_written_by_its_member_and_read_by_neighbours() {
        let c = CommunityId::parse("huqian-2").unwrap();
        let (_, scope) = member_docs(&c, &MemberId::parse("r1").unwrap()).remove(0);
        assert_eq!(
            access(&reader("r1", Role::Resident, "huqian-2"), &scope),
            Access::Write
        );
        assert_eq!(
            access(&reader("r2", Role::Resident, "huqian-2"), &scope),
            Access::Read
        );
        assert_eq!(
            access(&reader("r2", Role::Resident, "huazhong"), &scope),
            Access::None
        );
    }

    #[test]
    fn a_pair_document_is_the_two_members_alone() {
        let c = CommunityId::parse("huqian-2").unwrap();
        let scope = Scope::Pair {
            community: c,
            kind: DocKind::HELP_PRIVATE,
            members: [
                MemberId::parse("r1").unwrap(),
                MemberId::parse("r2").unwrap(),
            ],
        };
        assert_eq!(
            access(&reader("r1", Role::Resident, "huqian-2"), &scope),
            Access::Write
        );
        assert_eq!(
            access(&reader("r2", Role::Resident, "huqian-2"), &scope),
            Access::Write
        );
        assert_eq!(
            access(&reader("r3", Role::Resident, "huqian-2"), &scope),
            Access::None
        );
        assert_eq!(
            access(&reader("s1", Role::Staff, "huqian-2"), &scope),
            Access::None
        );
    }

    #[test]
    fn personal_documents_are_their_owner_alone() {
        let scope = Scope::Personal {
            owner: MemberId::parse("r1").unwrap(),
        };
        assert_eq!(
            access(&reader("r1", Role::Resident, "x"), &scope),
            Access::Write
        );
        assert_eq!(
            access(&reader("s1", Role::Staff, "x"), &scope),
            Access::None
        );
    }

    #[test]
    fn a_grids_documents_are_its_workers_and_the_communitys_staff() {
        let c = CommunityId::parse("huqian-2").unwrap();
        let patrol = DocKind::parse("patrol");
        let (_, grid1) = grid_doc(&c, &patrol, "g1", "2026-12");
        let (_, grid2) = grid_doc(&c, &patrol, "g2", "2026-12");
        let mut w = reader("w1", Role::GridWorker, "huqian-2");
        w.grids = vec!["g1".into()];
        assert_eq!(access(&w, &grid1), Access::Write);
        assert_eq!(access(&w, &grid2), Access::None);
        assert_eq!(
            access(&reader("s1", Role::Staff, "huqian-2"), &grid2),
            Access::Read
        );
        assert_eq!(
            access(&reader("r1", Role::Resident, "huqian-2"), &grid1),
            Access::None
        );
        // The same grid name in another community is another grid.
        let mut elsewhere = reader("w2", Role::GridWorker, "huazhong");
        elsewhere.grids = vec!["g1".into()];
        assert_eq!(access(&elsewhere, &grid1), Access::None);
        let staff_elsewhere = reader("s2", Role::Staff, "huazhong");
        assert_eq!(access(&staff_elsewhere, &grid1), Access::None);
    }

    #[test]
    fn a_department_and_its_cases_are_reached_by_posting_from_any_community() {
        let huqian = CommunityId::parse("huqian-2").unwrap();
        let huazhong = CommunityId::parse("huazhong").unwrap();
        let officer = |id: &str, dept: &str| {
            let mut o = reader(id, Role::Officer, "huazhong");
            o.posting = Some(Posting {
                department: dept.into(),
                serves: vec![huqian.clone(), huazhong.clone()],
            });
            o
        };
        let dept = DocKind::parse("department");
        let (water, mine) = (officer("o1", "water"), department_doc(&dept, "water").1);
        assert_eq!(access(&water, &mine), Access::Read);
        assert_eq!(
            access(&water, &department_doc(&dept, "housing").1),
            Access::None
        );
        assert_eq!(access(&officer("o2", "housing"), &mine), Access::None);
        for role in [Role::Resident, Role::Staff, Role::GridWorker] {
            assert_eq!(access(&reader("x", role, "huazhong"), &mine), Access::None);
        }
        // A case from 湖前 addressed to water: its reporter, 湖前's staff, water's officers
        // (who joined through 华中).
        let case = Scope::Case {
            community: huqian.clone(),
            kind: DocKind::parse("escalation"),
            reporter: MemberId::parse("w1").unwrap(),
            department: "water".into(),
        };
        assert_eq!(
            access(&reader("w1", Role::GridWorker, "huqian-2"), &case),
            Access::Write
        );
        assert_eq!(access(&water, &case), Access::Write);
        assert_eq!(access(&officer("o2", "housing"), &case), Access::None);
        assert_eq!(
            access(&reader("s1", Role::Staff, "huqian-2"), &case),
            Access::Write
        );
        assert_eq!(
            access(&reader("s2", Role::Staff, "huazhong"), &case),
            Access::None
        );
        assert_eq!(
            access(&reader("w9", Role::GridWorker, "huqian-2"), &case),
            Access::None
        );
        assert_eq!(
            access(&reader("r1", Role::Resident, "huqian-2"), &case),
            Access::None
        );
        // A department that does not serve the case's community does not see it.
        let mut narrow = officer("o3", "water");
        narrow.posting.as_mut().unwrap().serves = vec![huazhong.clone()];
        assert_eq!(access(&narrow, &case), Access::None);
    }
}
