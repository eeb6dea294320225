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
#[derive(Clone, Debug, PartialEq, Eq)]
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
    /// A document a member made under a random id, as any automerge-repo peer may: theirs
    /// alone, with no Linli schema.
    Personal { owner: MemberId },
}

/// The member asking, as the server's records (never a document) say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reader {
    pub member: MemberId,
    pub role: Role,
    pub community: CommunityId,
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
            | Scope::Pair { kind, .. } => Some(kind),
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

const STAFF: &[Role] = &[Role::Staff];
const PATROL: &[Role] = &[Role::GridWorker, Role::Staff];

pub fn access(reader: &Reader, scope: &Scope) -> Access {
    let (community, kind) = match scope {
        Scope::Personal { owner } => {
            return if *owner == reader.member {
                Access::Write
            } else {
                Access::None
            }
        }
        Scope::Pair {
            community, members, ..
        } => {
            return if *community == reader.community && members.contains(&reader.member) {
                Access::Write
            } else {
                Access::None
            }
        }
        Scope::Community { community, kind }
        | Scope::Member {
            community, kind, ..
        } => (community, kind),
    };
    if *community != reader.community {
        return Access::None;
    }
    let role = &reader.role;
    match kind {
        DocKind::Directory | DocKind::Department => Access::Read,
        DocKind::Help | DocKind::Proposal => Access::Write,
        DocKind::Points if STAFF.contains(role) => Access::Write,
        DocKind::Points => Access::Read,
        DocKind::Patrol | DocKind::Escalation if PATROL.contains(role) => Access::Write,
        DocKind::Staff if STAFF.contains(role) => Access::Write,
        DocKind::Profile => match scope {
            Scope::Member { subject, .. } if *subject == reader.member => Access::Write,
            _ => Access::Read,
        },
        // Only as a pair (above): never as a community document.
        DocKind::HelpPrivate => Access::None,
        DocKind::Patrol | DocKind::Escalation | DocKind::Staff | DocKind::Unknown(_) => {
            Access::None
        }
    }
}

/// The write rules of a kind, for the kinds whose module has declared them. A writable
/// document of a kind without rules takes no changes but its genesis.
pub fn rules(kind: &DocKind) -> Option<&'static WriteRules> {
    match kind {
        DocKind::Profile => Some(&crate::profile::RULES),
        DocKind::Help => Some(&crate::help::RULES),
        DocKind::HelpPrivate => Some(&crate::help_private::RULES),
        DocKind::Staff => Some(&crate::staff::RULES),
        _ => None,
    }
}

pub fn staff_id(community: &CommunityId) -> DocId {
    DocId::derive(community, DocKind::Staff.as_str(), "")
}

/// The one-per-community documents, by the id every device derives.
pub fn community_docs(community: &CommunityId) -> Vec<(DocId, Scope)> {
    [DocKind::Directory, DocKind::Points, DocKind::Staff]
        .into_iter()
        .map(|kind| {
            (
                DocId::derive(community, kind.as_str(), ""),
                Scope::Community {
                    community: community.clone(),
                    kind,
                },
            )
        })
        .collect()
}

/// The documents a community keeps per month (`YYYY-MM`).
pub fn monthly_docs(community: &CommunityId, month: &str) -> Vec<(DocId, Scope)> {
    [DocKind::Help]
        .into_iter()
        .map(|kind| {
            (
                DocId::derive(community, kind.as_str(), month),
                Scope::Community {
                    community: community.clone(),
                    kind,
                },
            )
        })
        .collect()
}

/// A grid's patrol document for a month: the grid's workers write it, staff read it too.
pub fn patrol_doc(community: &CommunityId, grid: &str, month: &str) -> (DocId, Scope) {
    (
        DocId::derive(
            community,
            DocKind::Patrol.as_str(),
            &format!("{grid}/{month}"),
        ),
        Scope::Community {
            community: community.clone(),
            kind: DocKind::Patrol,
        },
    )
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
                    kind: DocKind::HelpPrivate,
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
            kind: DocKind::Profile,
            subject: member.clone(),
        },
    )]
}

pub fn profile_id(community: &CommunityId, member: &MemberId) -> DocId {
    DocId::derive(community, DocKind::Profile.as_str(), member.as_str())
}

pub fn directory_id(community: &CommunityId) -> DocId {
    DocId::derive(community, DocKind::Directory.as_str(), "")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(member: &str, role: Role, community: &str) -> Reader {
        Reader {
            member: MemberId::parse(member).unwrap(),
            role,
            community: CommunityId::parse(community).unwrap(),
        }
    }

    fn community(kind: DocKind) -> Scope {
        Scope::Community {
            community: CommunityId::parse("huqian-2").unwrap(),
            kind,
        }
    }

    #[test]
    fn residents_never_see_patrol_escalation_or_staff_documents() {
        let r = reader("r1", Role::Resident, "huqian-2");
        for kind in [DocKind::Patrol, DocKind::Escalation, DocKind::Staff] {
            assert_eq!(
                access(&r, &community(kind.clone())),
                Access::None,
                "{kind:?}"
            );
        }
        assert_eq!(access(&r, &community(DocKind::Help)), Access::Write);
        assert_eq!(access(&r, &community(DocKind::Directory)), Access::Read);
        assert_eq!(access(&r, &community(DocKind::Points)), Access::Read);
        let w = reader("w1", Role::GridWorker, "huqian-2");
        assert_eq!(access(&w, &community(DocKind::Patrol)), Access::Write);
        let s = reader("s1", Role::Staff, "huqian-2");
        assert_eq!(access(&s, &community(DocKind::Staff)), Access::Write);
        assert_eq!(access(&s, &community(DocKind::Points)), Access::Write);
    }

    #[test]
    fn nobody_reaches_another_community() {
        let s = reader("s1", Role::Staff, "huazhong");
        for kind in DocKind::KNOWN {
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
            assert_eq!(access(&m, &community(DocKind::Directory)), Access::Read);
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
            kind: DocKind::HelpPrivate,
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
}
