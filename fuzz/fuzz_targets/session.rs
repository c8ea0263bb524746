//! Any bytes: parse, describe every entry and its children, infer the writer.
//! Must never panic, hang, or allocate far beyond the input's size.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = brine::session::Session::from_bytes(data.to_vec());
    let d = s.describer();
    for e in &s.entries {
        if let Some(v) = e.value {
            for c in d.children(v) {
                if let Some(n) = c.node {
                    let _ = d.preview(n, 40);
                }
            }
        }
    }
    let _ = s.inferred.python();
});
