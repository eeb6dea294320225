//! The command line: `serve` and the staff's administration commands.

use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "linli-server",
    about = "Linli's server: the PWA, joining by invite, and (soon) sync"
)]
pub struct Cli {
    /// Where the server keeps its store.
    #[arg(long, global = true, default_value = "data")]
    pub data: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serves the built app and the API. An empty store is seeded with a demo community.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Trunk's output folder.
        #[arg(long, default_value = "dist")]
        dist: PathBuf,
        /// For end-to-end tests only: a file holding milliseconds the server's clock runs
        /// ahead of the system's, read again every 100 ms (a vote's close, its grace period).
        #[arg(long, hide = true)]
        clock_offset_file: Option<PathBuf>,
    },
    /// Communities.
    Community {
        #[command(subcommand)]
        command: CommunityCommand,
    },
    /// Invite codes.
    Invite {
        #[command(subcommand)]
        command: InviteCommand,
    },
    /// Members.
    Member {
        #[command(subcommand)]
        command: MemberCommand,
    },
    /// City departments.
    Department {
        #[command(subcommand)]
        command: DepartmentCommand,
    },
    /// Grids.
    Grid {
        #[command(subcommand)]
        command: GridCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum CommunityCommand {
    /// Creates a community: `community create huqian-2 湖前第二社区`.
    Create { id: String, name: String },
}

#[derive(Subcommand, Debug)]
pub enum InviteCommand {
    /// Creates an invite code for a role: resident, grid_worker, staff or officer. A grid
    /// worker's invite names the grid they patrol, an officer's their department.
    Create {
        #[arg(long)]
        community: String,
        #[arg(long)]
        role: String,
        #[arg(long, conflicts_with = "department")]
        grid: Option<String>,
        #[arg(long)]
        department: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum DepartmentCommand {
    /// Creates a city department serving some communities:
    /// `department create water 水务集团 --serves huqian-2,huazhong`.
    Create {
        id: String,
        name: String,
        #[arg(long, value_delimiter = ',')]
        serves: Vec<String>,
    },
    /// Lists the departments and whom they serve.
    List,
    /// Posts a member (an officer) to a department.
    Assign { member: String, department: String },
}

#[derive(Subcommand, Debug)]
pub enum GridCommand {
    /// Assigns a member (a grid worker) to one more grid of their community.
    Assign { member: String, grid: String },
}

#[derive(Subcommand, Debug)]
pub enum MemberCommand {
    /// Lists a community's members.
    List {
        #[arg(long)]
        community: String,
    },
    /// Gives a member one more device: prints its peer id and token (keep it secret).
    AddDevice {
        /// The member id (m_…).
        id: String,
    },
    /// Gives a member another role: resident, grid_worker, staff or officer.
    Role {
        /// The member id (m_…).
        id: String,
        #[arg(long)]
        role: String,
    },
    /// Revokes a member (every device), or one device with --device.
    Revoke {
        /// The member id (m_…), or with --device the device's peer id (p_…).
        id: String,
        #[arg(long)]
        device: bool,
    },
}
