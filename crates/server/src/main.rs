//! linli-server's command line: `serve`, and the staff's record keeping (communities,
//! invites, members). The server itself lives in the library.

mod cli;

use clap::Parser;
use cli::{
    Cli, Command, CommunityCommand, DepartmentCommand, GridCommand, InviteCommand, MemberCommand,
};
use linli_core::{CommunityId, MemberId, Role};
use linli_server::api::now;
use linli_server::db::Assignment;
use linli_server::db::{self, Db, DbError};
use linli_server::{seed, Server};

fn fail(msg: impl std::fmt::Display) -> ! {
    eprintln!("linli-server: {msg}");
    std::process::exit(1);
}

fn explain(e: DbError) -> String {
    match e {
        DbError::Refused(r) => format!("refused: {r:?}"),
        DbError::Store(e) => format!("the store failed: {e}"),
    }
}

fn community(id: &str) -> CommunityId {
    CommunityId::parse(id).unwrap_or_else(|_| {
        fail(format!(
            "{id:?} is not a community id (letters, digits, - and _)"
        ))
    })
}

fn main() {
    let cli = Cli::parse();
    let db = Db::open(&cli.data).unwrap_or_else(|e| fail(explain(e)));
    match cli.command {
        Command::Serve {
            addr,
            dist,
            clock_offset_file,
        } => {
            let clock = match clock_offset_file {
                Some(file) => linli_server::offset_clock(file),
                None => linli_server::system_clock(),
            };
            serve(db, cli.data.clone(), addr, dist, clock)
        }
        Command::Community {
            command: CommunityCommand::Create { id, name },
        } => {
            db.create_community(&community(&id), &name, now())
                .unwrap_or_else(|e| fail(explain(e)));
            println!("community {id} created");
        }
        Command::Invite {
            command:
                InviteCommand::Create {
                    community: c,
                    role,
                    grid,
                    department,
                },
        } => {
            let role = Role::parse(&role);
            let assign = grid
                .map(Assignment::Grid)
                .or(department.map(Assignment::Department));
            let code = match &assign {
                Some(a) => db.create_invite_assigned(&community(&c), &role, a, now()),
                None => db.create_invite(&community(&c), &role, now()),
            }
            .unwrap_or_else(|e| fail(explain(e)));
            println!(
                "{code}  ({} of {c}, valid {} days)",
                role.as_str(),
                db::INVITE_DAYS
            );
        }
        Command::Member {
            command: MemberCommand::List { community: c },
        } => {
            for m in db
                .members(&community(&c))
                .unwrap_or_else(|e| fail(explain(e)))
            {
                let state = if m.revoked { "revoked" } else { "active" };
                println!(
                    "{}\t{}\t{}\t{state}",
                    m.id.as_str(),
                    m.role.as_str(),
                    m.display_name
                );
            }
        }
        Command::Member {
            command: MemberCommand::AddDevice { id },
        } => {
            let (peer, token) = db
                .add_device(&MemberId(id), now())
                .unwrap_or_else(|e| fail(explain(e)));
            println!("peer {peer}\ntoken {token}");
        }
        Command::Department {
            command: DepartmentCommand::Create { id, name, serves },
        } => {
            let serves: Vec<CommunityId> = serves.iter().map(|c| community(c)).collect();
            db.create_department(&id, &name, &serves)
                .unwrap_or_else(|e| fail(explain(e)));
            println!("department {id} serves {}", serves.len());
        }
        Command::Department {
            command: DepartmentCommand::List,
        } => {
            for d in db.departments().unwrap_or_else(|e| fail(explain(e))) {
                let serves: Vec<&str> = d.serves.iter().map(CommunityId::as_str).collect();
                println!("{}\t{}\t{}", d.id, d.name, serves.join(","));
            }
        }
        Command::Department {
            command: DepartmentCommand::Assign { member, department },
        } => {
            db.assign(
                &MemberId(member.clone()),
                &Assignment::Department(department.clone()),
            )
            .unwrap_or_else(|e| fail(explain(e)));
            println!("{member} works for {department}: open connections take it up within seconds");
        }
        Command::Grid {
            command: GridCommand::Assign { member, grid },
        } => {
            db.assign(&MemberId(member.clone()), &Assignment::Grid(grid.clone()))
                .unwrap_or_else(|e| fail(explain(e)));
            println!("{member} patrols {grid}: open connections take it up within seconds");
        }
        Command::Member {
            command: MemberCommand::Role { id, role },
        } => {
            let role = Role::parse(&role);
            if matches!(role, Role::Unknown(_)) {
                fail(format!("unknown role {}", role.as_str()));
            }
            db.set_role(&MemberId(id.clone()), &role)
                .unwrap_or_else(|e| fail(explain(e)));
            println!(
                "{id} is now {}: open connections take it up within seconds",
                role.as_str()
            );
        }
        Command::Member {
            command: MemberCommand::Revoke { id, device },
        } => {
            let done = if device {
                db.revoke_device(&id, now())
            } else {
                db.revoke_member(&MemberId(id.clone()), now())
            };
            done.unwrap_or_else(|e| fail(explain(e)));
            println!("{id} revoked: its tokens are refused from the next connection");
        }
    }
}

#[tokio::main]
async fn serve(
    db: Db,
    data: std::path::PathBuf,
    addr: std::net::SocketAddr,
    dist: std::path::PathBuf,
    clock: linli_server::Clock,
) {
    init_logging();
    if !dist.join("index.html").is_file() {
        fail(format!(
            "{} has no index.html: build the app first (scripts/run does)",
            dist.display()
        ));
    }
    let codes = seed::seed_if_empty(&db, now()).unwrap_or_else(|e| fail(explain(e)));
    // The server opens its own handle on the store; this one was for the seed.
    drop(db);
    let server = Server::start(&data, clock)
        .await
        .unwrap_or_else(|e| fail(e));
    server
        .prepare_directories()
        .await
        .unwrap_or_else(|e| fail(e));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .unwrap_or_else(|e| fail(format!("cannot listen on {addr}: {e}")));
    let addr = listener
        .local_addr()
        .expect("a bound listener has an address");
    if let Some(codes) = codes {
        seed::seed_documents(&server).await;
        println!(
            "Seeded the demo community {} ({}). Invite codes:",
            seed::DEMO_NAME,
            seed::DEMO_ID
        );
        for (role, code) in codes {
            println!(
                "  {:<12} {code}  http://{addr}/?invite={code}",
                role.as_str()
            );
        }
    }
    println!("Linli is running at http://{addr}/");
    let shutdown = async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .unwrap_or_else(|e| fail(format!("cannot watch SIGTERM: {e}")));
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        tracing::info!("shutting down");
    };
    if let Err(e) = linli_server::serve(listener, server, Some(&dist), shutdown).await {
        fail(e);
    }
    tracing::info!("stopped; every document is on disk");
}

/// Logs at info, but automerge only from warnings: its `load_changes` records the whole
/// change graph with `Debug` in an info span, on every message the door or samod loads, which
/// was a tenth of the server's CPU under load (`perf`, `scripts/load-compare`).
fn init_logging() {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::prelude::*;
    let filter = Targets::new()
        .with_default(LevelFilter::INFO)
        .with_target("automerge", LevelFilter::WARN);
    tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_target(false))
        .with(filter)
        .init();
}
