//! The community's directory: who its members are, its grids and departments. Only the
//! server writes it (DESIGN.md); members read it to find their neighbours.

mod commands;
mod model;
mod module;

pub use commands::{add_member, set_assignments, set_department, set_grid};
pub use model::{members, places, reader_of, DirMember, Place};
pub use module::{MAX_PROFILES, MODULE, SERVING};
