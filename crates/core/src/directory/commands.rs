//! The server's writes. No write rules apply: the server is the directory's only writer,
//! and its door refuses every change a client sends to it.

use crate::doc::transact;
use crate::read::map_at;
use crate::{LinliError, MemberId, Millis, Result, Role};
use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType, ROOT};

fn root(doc: &Automerge, name: &str) -> Result<automerge::ObjId> {
    map_at(doc, &ROOT, name).ok_or_else(|| LinliError::Damaged(format!("no {name} map")))
}

/// Lists a member (again, with a new name or role, if they were listed).
pub fn add_member(
    doc: &mut Automerge,
    now: Millis,
    id: &MemberId,
    name: &str,
    role: &Role,
) -> Result<()> {
    let members = root(doc, "members")?;
    transact(doc, now, |tx| {
        let rec = tx.put_object(&members, id.as_str(), ObjType::Map)?;
        tx.put(&rec, "name", name)?;
        tx.put(&rec, "role", role.as_str())?;
        tx.put(&rec, "joined_at", now.0)?;
        Ok(())
    })?;
    Ok(())
}

/// Writes where a listed member works, as the server's records say (a grid worker's grids,
/// an officer's department), so their devices know which documents to hold. Writes
/// nothing when the directory already says so.
pub fn set_assignments(
    doc: &mut Automerge,
    now: Millis,
    id: &MemberId,
    grids: &[String],
    department: Option<&str>,
) -> Result<bool> {
    let members = root(doc, "members")?;
    let rec = map_at(doc, &members, id.as_str()).ok_or(LinliError::NotFound)?;
    let grids = grids.join(",");
    let department = department.unwrap_or("");
    let same = crate::read::str_at(doc, &rec, "grids").unwrap_or_default() == grids
        && crate::read::str_at(doc, &rec, "department").unwrap_or_default() == department;
    if same {
        return Ok(false);
    }
    transact(doc, now, |tx| {
        tx.put(&rec, "grids", grids.as_str())?;
        tx.put(&rec, "department", department)?;
        Ok(())
    })?;
    Ok(true)
}

pub fn set_grid(doc: &mut Automerge, now: Millis, id: &str, name: &str) -> Result<()> {
    set_place(doc, now, "grids", id, name)
}

pub fn set_department(doc: &mut Automerge, now: Millis, id: &str, name: &str) -> Result<()> {
    set_place(doc, now, "departments", id, name)
}

fn set_place(
    doc: &mut Automerge,
    now: Millis,
    root_name: &str,
    id: &str,
    name: &str,
) -> Result<()> {
    MemberId::parse(id)?; // place ids follow the same plain form
    let map = root(doc, root_name)?;
    transact(doc, now, |tx| {
        tx.put(&map, id, name)?;
        Ok(())
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::{members, places};
    use crate::schema::{genesis, DocKind};

    #[test]
    fn members_and_places_read_back_sorted() {
        let mut doc = genesis(&DocKind::DIRECTORY);
        let a = MemberId::parse("m_a").unwrap();
        let b = MemberId::parse("m_b").unwrap();
        add_member(&mut doc, Millis(1), &a, "王阿姨", &Role::Resident).unwrap();
        add_member(&mut doc, Millis(2), &b, "李网格", &Role::GridWorker).unwrap();
        let list = members(&doc);
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].name, "李网格");
        assert_eq!(list[1].role, Role::Resident);
        set_grid(&mut doc, Millis(3), "g1", "第一网格").unwrap();
        set_department(&mut doc, Millis(3), "water", "水务局").unwrap();
        assert_eq!(places(&doc, "grids")[0].name, "第一网格");
        assert_eq!(places(&doc, "departments")[0].id, "water");
        assert_eq!(
            set_grid(&mut doc, Millis(4), "a/b", "x"),
            Err(LinliError::BadId)
        );
    }
}
