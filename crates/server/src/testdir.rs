//! A scratch directory for a test, removed when dropped.

use std::path::{Path, PathBuf};

pub struct TestDir(PathBuf);

impl TestDir {
    pub fn new(name: &str) -> TestDir {
        let mut buf = [0u8; 8];
        getrandom::fill(&mut buf).expect("the OS provides randomness");
        let suffix: String = buf.iter().map(|b| format!("{b:02x}")).collect();
        let dir = std::env::temp_dir().join(format!("linli-{name}-{suffix}"));
        std::fs::create_dir_all(&dir).expect("a scratch directory can be made");
        TestDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
