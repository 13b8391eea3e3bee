//! Lessons are TOML scenario files (readable, shared with the CLI). The browser bundle gets
//! them as JSON, converted here, so the TOML parser stays out of the wasm.

use std::path::Path;

fn main() {
    let dir = Path::new("scenarios/lessons");
    println!("cargo:rerun-if-changed={}", dir.display());
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("lessons");
    std::fs::create_dir_all(&out).expect("OUT_DIR is writable");
    for entry in std::fs::read_dir(dir).expect("scenarios/lessons exists") {
        let path = entry.expect("readable").path();
        if path.extension().is_some_and(|e| e == "toml") {
            println!("cargo:rerun-if-changed={}", path.display());
            let text = std::fs::read_to_string(&path).expect("readable");
            let value: toml::Value =
                toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let json = serde_json::to_string(&value).expect("TOML values are JSON values");
            std::fs::write(
                out.join(path.with_extension("json").file_name().expect("a file")),
                json,
            )
            .expect("written");
        }
    }
}
