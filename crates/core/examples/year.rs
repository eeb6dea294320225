//! Writes one community's year (see `linli_core::year`) into a directory for the start
//! benchmark: one file per document, named by its id, and `held.txt` listing "id kind" per
//! line.
//!   cargo run --release -p linli-core --features year --example year -- DIR COMMUNITY MEMBER NOW_MS

use linli_core::{CommunityId, MemberId, Millis};
use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, community, member, now] = &args[..] else {
        eprintln!("usage: year DIR COMMUNITY MEMBER NOW_MS");
        std::process::exit(2);
    };
    let community = CommunityId::parse(community).expect("a community id");
    let member = MemberId::parse(member).expect("a member id");
    let now = Millis(now.parse().expect("milliseconds since 1970"));
    let started = std::time::Instant::now();
    let docs = linli_core::year::community_year(&community, &member, now);
    std::fs::create_dir_all(dir).expect("the fixture's directory");
    let mut held = std::fs::File::create(format!("{dir}/held.txt")).expect("held.txt");
    let mut bytes = 0;
    for d in &docs {
        std::fs::write(format!("{dir}/{}", d.id), &d.bytes).expect("a document's file");
        writeln!(held, "{} {}", d.id, d.kind.as_str()).expect("held.txt");
        bytes += d.bytes.len();
    }
    eprintln!(
        "year: {} documents, {bytes} bytes, built in {:.1} s",
        docs.len(),
        started.elapsed().as_secs_f64()
    );
}
