use crate::read::{each_field, map_at, records, str_at, FieldRef};
use crate::{MemberId, Role};
use automerge::{Automerge, ReadDoc, ROOT};

/// A member as the directory lists them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirMember {
    pub id: MemberId,
    pub name: String,
    pub role: Role,
}

/// A grid or a department: an id and a name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub id: String,
    pub name: String,
}

/// Everyone the directory lists, by name. A record that does not read is skipped, never
/// the whole list.
pub fn members(doc: &Automerge) -> Vec<DirMember> {
    // One pass over each record's fields: a lookup per field was most of opening points.
    let mut out: Vec<DirMember> = records(doc, "members")
        .into_iter()
        .filter_map(|(id, rec)| {
            let (mut name, mut role) = (None, String::new());
            each_field(doc, &rec, |k, v| match (k, v) {
                ("name", FieldRef::Str(s)) => name = Some(s.to_owned()),
                ("role", FieldRef::Str(s)) => role = s.to_owned(),
                _ => {}
            });
            Some(DirMember {
                id: MemberId::parse(&id).ok()?,
                name: name?,
                role: Role::parse(&role),
            })
        })
        .collect();
    crate::sort::by(&mut out, |a, b| {
        a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id))
    });
    out
}

/// A member as the registry's rules see them on their own device: their assignments as
/// the directory lists them (the server's records, which the server alone writes there).
/// Staff watch every grid, so their reader lists every grid of the community.
pub fn reader_of(
    doc: &Automerge,
    member: &MemberId,
    role: &Role,
    community: &crate::CommunityId,
) -> crate::access::Reader {
    let mut reader = crate::access::Reader::new(member.clone(), role.clone(), community.clone());
    let rec = map_at(doc, &ROOT, "members").and_then(|m| map_at(doc, &m, member.as_str()));
    match role {
        Role::Staff => reader.grids = places(doc, "grids").into_iter().map(|p| p.id).collect(),
        Role::GridWorker => {
            let grids = rec.as_ref().and_then(|r| str_at(doc, r, "grids"));
            reader.grids = grids
                .unwrap_or_default()
                .split(',')
                .filter(|g| !g.is_empty())
                .map(str::to_owned)
                .collect();
        }
        Role::Officer => {
            let department = rec.as_ref().and_then(|r| str_at(doc, r, "department"));
            reader.posting =
                department
                    .filter(|d| !d.is_empty())
                    .map(|department| crate::access::Posting {
                        department,
                        serves: vec![community.clone()],
                    });
        }
        _ => {}
    }
    reader
}

/// The grids (`"grids"`) or departments (`"departments"`), by name.
pub fn places(doc: &Automerge, root: &str) -> Vec<Place> {
    let Some(map) = map_at(doc, &ROOT, root) else {
        return Vec::new();
    };
    let mut out: Vec<Place> = doc
        .keys(&map)
        .filter_map(|id| {
            let name = str_at(doc, &map, &id)?;
            Some(Place { id, name })
        })
        .collect();
    crate::sort::by(&mut out, |a, b| a.name.cmp(&b.name));
    out
}
