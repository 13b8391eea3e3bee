//! The model's speed natively and in Chromium (wasm32) on the standard scenario
//! (`producer_sim::bench`), for the target "wasm at least half the native speed". It prints
//! records per second and asserts nothing about time; both runs are `#[ignore]`d:
//!
//! ```sh
//! cargo test -p producer-lab --release --test model_speed -- --include-ignored --nocapture
//! cargo test -p producer-lab --release --target wasm32-unknown-unknown --test model_speed -- --include-ignored --nocapture
//! scripts/model-speed.sh   # both, and the ratio
//! ```

use producer_sim::bench::run_standard;

/// Records per run: the CLI's `producer-sim bench --records 1000000`.
const RECORDS: u64 = 1_000_000;
const RUNS: u32 = 3;

#[cfg(target_arch = "wasm32")]
mod clock {
    pub fn now_ms() -> f64 {
        js_sys::Date::now()
    }
    macro_rules! say {
        ($($t:tt)*) => { wasm_bindgen_test::console_log!($($t)*) };
    }
    pub(crate) use say;
    wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
}

#[cfg(not(target_arch = "wasm32"))]
mod clock {
    pub fn now_ms() -> f64 {
        static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        START
            .get_or_init(std::time::Instant::now)
            .elapsed()
            .as_secs_f64()
            * 1000.0
    }
    macro_rules! say {
        ($($t:tt)*) => { println!($($t)*) };
    }
    pub(crate) use say;
}

/// The best of `RUNS` runs, in records per second of wall time.
fn best_records_per_second(bounded: bool) -> f64 {
    let mut best = 0f64;
    for _ in 0..RUNS {
        let start = clock::now_ms();
        let delivered = run_standard(RECORDS, bounded);
        let secs = (clock::now_ms() - start) / 1000.0;
        assert_eq!(delivered, RECORDS, "every record has its callback");
        best = best.max(RECORDS as f64 / secs.max(1e-9));
    }
    best
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
#[ignore = "prints the model's speed; run with --include-ignored"]
fn standard_scenario_speed() {
    let platform = if cfg!(target_arch = "wasm32") {
        "wasm32"
    } else {
        "native"
    };
    for (variant, bounded) in [("plain", false), ("bounded", true)] {
        let rate = best_records_per_second(bounded);
        clock::say!(
            "model-speed {platform} {variant} records={RECORDS} runs={RUNS} records_per_second={rate:.0}"
        );
    }
}
