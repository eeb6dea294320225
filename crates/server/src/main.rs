//! linli-server: serves the built PWA. The sync endpoint, storage and joining come with the
//! sync issue; until then the app runs its local sandbox community.

use std::net::SocketAddr;
use std::path::PathBuf;

mod static_files;

struct Args {
    addr: SocketAddr,
    dist: PathBuf,
}

fn parse_args() -> Result<Args, String> {
    let mut addr: SocketAddr = "127.0.0.1:8080".parse().expect("valid default address");
    let mut dist = PathBuf::from("dist");
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "serve" => {}
            "--addr" => {
                let v = it
                    .next()
                    .ok_or("--addr needs a value such as 127.0.0.1:8080")?;
                addr = v.parse().map_err(|e| format!("--addr {v}: {e}"))?;
            }
            "--dist" => dist = it.next().ok_or("--dist needs a folder")?.into(),
            "-h" | "--help" => {
                println!("usage: linli-server [serve] [--addr 127.0.0.1:8080] [--dist dist]");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}; try --help")),
        }
    }
    if !dist.join("index.html").is_file() {
        return Err(format!(
            "{} has no index.html: build the app first (make run does)",
            dist.display()
        ));
    }
    Ok(Args { addr, dist })
}

#[tokio::main]
async fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("linli-server: {e}");
            std::process::exit(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(args.addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("linli-server: cannot listen on {}: {e}", args.addr);
            std::process::exit(1);
        }
    };
    let addr = listener
        .local_addr()
        .expect("a bound listener has an address");
    println!("Linli is running at http://{addr}/");
    let app = static_files::router(&args.dist);
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    if let Err(e) = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
    {
        eprintln!("linli-server: {e}");
        std::process::exit(1);
    }
}
