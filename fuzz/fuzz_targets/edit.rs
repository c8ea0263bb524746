//! Any bytes: drop the first name (or salvage a cut file); whatever is written must re-parse.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = brine::session::Session::from_bytes(data.to_vec());
    let edited = if s.complete() {
        let first: Vec<&str> = s.entries.iter().map(|e| e.name.as_str()).take(1).collect();
        s.dump_without(&first)
    } else {
        s.salvage()
    };
    if let Ok(e) = edited {
        // Every output that passed brine's own check parses completely.
        let out = brine::session::Session::from_bytes(e.to_vec().expect("in memory"));
        assert!(out.complete(), "an accepted edit does not parse");
    }
});
