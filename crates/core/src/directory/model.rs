use crate::read::{map_at, str_at};
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
    let Some(map) = map_at(doc, &ROOT, "members") else {
        return Vec::new();
    };
    let mut out: Vec<DirMember> = doc
        .keys(&map)
        .filter_map(|id| {
            let rec = map_at(doc, &map, &id)?;
            Some(DirMember {
                id: MemberId::parse(&id).ok()?,
                name: str_at(doc, &rec, "name")?,
                role: Role::parse(&str_at(doc, &rec, "role").unwrap_or_default()),
            })
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
    out
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
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}
