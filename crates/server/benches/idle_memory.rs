//! The server's resident memory with many documents touched once (a profile each, as a
//! city's members have), before and after idle documents are unloaded. Prints figures;
//! asserts only that unloading left nothing loaded.

use linli_core::{CommunityId, DocId, DocKind, MemberId};
use linli_server::testdir::TestDir;
use std::time::Instant;

fn resident_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

/// Hands memory glibc keeps for reuse back to the system, so RSS shows what is held.
fn trim() {
    // SAFETY: malloc_trim only releases free heap memory.
    unsafe {
        libc::malloc_trim(0);
    }
}

fn main() {
    let n: usize = std::env::var("LINLI_IDLE_DOCS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = TestDir::new("idle-memory");
        let srv = linli_server::Server::start(dir.path(), linli_server::system_clock())
            .await
            .unwrap();
        let community = CommunityId::parse("huqian-2").unwrap();
        trim();
        let start = resident_mb();
        let started = Instant::now();
        for i in 0..n {
            let member = MemberId::parse(&format!("m_{i:06}")).unwrap();
            let id: DocId = linli_core::access::profile_id(&community, &member);
            assert!(srv.touch(id, &DocKind::PROFILE).await);
        }
        let touched = started.elapsed();
        trim();
        let before = resident_mb();
        let loaded = srv.loaded_documents();
        let started = Instant::now();
        // A document still being written is not idle yet; actors stop a moment after they
        // are told to: sweep until the repo has let them all go.
        let mut unloaded = 0;
        while srv.loaded_documents() > 0 && started.elapsed().as_secs() < 60 {
            unloaded += srv.unload_idle(std::time::Duration::ZERO);
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        // `loaded_documents` stops counting an actor when it is told to stop; its memory
        // goes when it has flushed and reported back: wait until the figure settles.
        let mut after = f64::MAX;
        for _ in 0..30 {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            trim();
            let now = resident_mb();
            if now > after - 1.0 {
                after = after.min(now);
                break;
            }
            after = now;
        }
        println!("idle memory: {n} profile documents touched once in {touched:.1?}");
        println!("  resident at start:            {start:8.1} MB");
        println!("  resident with {loaded} loaded: {before:8.1} MB");
        println!(
            "  resident after unloading {unloaded} ({} left loaded, {:.1?}): {after:8.1} MB",
            srv.loaded_documents(),
            started.elapsed()
        );
        assert_eq!(srv.loaded_documents(), 0);
        srv.stop().await;
    });
}
