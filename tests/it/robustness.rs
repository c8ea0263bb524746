//! Hostile and broken input: every case ends in a result or a clean error,
//! never a panic, a hang, or memory far beyond the input's size.

use brine::pickle::parse_bytes;
use brine::session::Session;
use proptest::prelude::*;

use super::fixtures;

/// A few fixtures of each protocol to cut and flip.
fn samples() -> Vec<Vec<u8>> {
    fixtures::all()
        .into_iter()
        .filter(|(p, _)| {
            let n = p.file_name().unwrap().to_string_lossy().to_string();
            n.contains("dill041-py311")
                && (n.starts_with("code--")
                    || n.starts_with("graphs--")
                    || n.starts_with("basic--"))
        })
        .map(|(p, _)| std::fs::read(p).unwrap())
        .collect()
}

#[test]
fn every_cut_of_every_sample_gives_a_result_or_a_clean_error() {
    let mut cuts = 0;
    // Every offset of the small samples, every 11th of the larger ones.
    for data in samples() {
        let step = if data.len() < 4000 { 1 } else { 11 };
        for end in (0..data.len()).step_by(step) {
            let s = Session::from_bytes(data[..end].to_vec());
            // A cut file is never complete, and what it lists is a prefix of the whole file's names.
            assert!(!s.complete());
            cuts += 1;
        }
    }
    assert!(cuts > 5_000, "only {cuts} cuts");
}

/// Cuts show a prefix of the names that only grows; just before each key's op, every name
/// two or more before it is listed (the one just before may wait for one more pair when its
/// value could be a call still being built), and never a later one.
#[test]
fn names_listed_at_a_cut_are_those_complete_before_it() {
    for data in samples() {
        let whole = Session::from_bytes(data.clone());
        let names: Vec<String> = whole.entries.iter().map(|e| e.name.clone()).collect();
        let mut last = 0;
        for end in (0..data.len()).step_by(37) {
            let s = Session::from_bytes(data[..end].to_vec());
            let got: Vec<String> = s.entries.iter().map(|e| e.name.clone()).collect();
            assert!(got.len() >= last, "names went backwards at {end}");
            assert_eq!(got[..], names[..got.len()], "cut at {end}: not a prefix");
            last = got.len();
        }
        let p = &whole.program;
        let dict = whole.dict_node.unwrap();
        for (ei, starts) in &p.spans {
            if p.effect(*ei as usize).target != dict {
                continue;
            }
            let args = p.effect_args(*ei as usize);
            for j in (2..starts.len() / 2).map(|j| j * 2) {
                let s = Session::from_bytes(data[..starts[j] as usize].to_vec());
                let before = whole
                    .entries
                    .iter()
                    .position(|e| e.key == Some(args[j]))
                    .unwrap();
                let n = s.entries.len();
                assert!(
                    n + 2 >= before && n <= before,
                    "cut before key {}: {n} listed, {before} before it",
                    names[before]
                );
            }
        }
    }
}

#[test]
fn byte_flips_never_panic() {
    for data in samples().into_iter().take(6) {
        for i in (0..data.len()).step_by(7) {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut d = data.clone();
                d[i] ^= flip;
                let s = Session::from_bytes(d);
                let d = s.describer();
                for e in s.entries.iter().filter_map(|e| e.value) {
                    let _ = d.children(e);
                }
            }
        }
    }
}

#[test]
fn a_lying_length_is_a_clean_error() {
    // BINBYTES claiming 4 GiB in a 100-byte file.
    let mut b = vec![0x80, 4, b'B', 0xff, 0xff, 0xff, 0xff];
    b.resize(100, b'x');
    let s = Session::from_bytes(b);
    let e = s.program.error.expect("an error");
    assert!(e.is_truncation(), "{e}");
}

#[test]
fn a_million_deep_nesting_is_parsed_without_recursion() {
    let mut b = vec![0x80, 2];
    b.extend(std::iter::repeat_n(b']', 1_000_000));
    b.extend(std::iter::repeat_n(b'a', 999_999));
    b.push(b'.');
    let s = Session::from_bytes(b);
    assert!(s.complete());
    assert_eq!(s.entries.len(), 1);
    // Describing the root walks only a few levels.
    assert!(s.entries[0].preview.starts_with('['));
}

#[test]
fn a_mark_storm_is_a_clean_error() {
    let mut b = vec![0x80, 2];
    b.extend(std::iter::repeat_n(b'(', 5_000_000));
    b.push(b'.');
    let p = parse_bytes(b);
    assert!(p.error.is_some());
}

#[test]
fn missing_memo_keys_are_clean_errors() {
    for data in [
        &b"\x80\x02h\x05."[..],
        b"g12\n.",
        b"\x80\x02j\xff\xff\xff\xff.",
    ] {
        let p = parse_bytes(data.to_vec());
        assert!(p.error.unwrap().to_string().contains("was never stored"));
    }
}

/// Ops of every kind, with small arguments, for structure-aware random programs.
fn op() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(vec![b'(']),
        Just(vec![b']']),
        Just(vec![b'}']),
        Just(vec![b')']),
        Just(vec![b'N']),
        Just(vec![0x88]),
        Just(vec![b'a']),
        Just(vec![b'e']),
        Just(vec![b's']),
        Just(vec![b'u']),
        Just(vec![b't']),
        Just(vec![b'l']),
        Just(vec![b'd']),
        Just(vec![0x85]),
        Just(vec![0x86]),
        Just(vec![0x87]),
        Just(vec![b'R']),
        Just(vec![b'b']),
        Just(vec![0x81]),
        Just(vec![0x92]),
        Just(vec![0x93]),
        Just(vec![b'0']),
        Just(vec![b'1']),
        Just(vec![b'2']),
        Just(vec![0x94]),
        Just(vec![0x8f]),
        Just(vec![0x90]),
        Just(vec![0x91]),
        Just(vec![b'o']),
        Just(b"cos\nsystem\n".to_vec()),
        Just(b"idill._dill\n_create_code\n".to_vec()),
        any::<u8>().prop_map(|k| vec![b'K', k]),
        any::<u8>().prop_map(|k| vec![b'h', k]),
        any::<u8>().prop_map(|k| vec![b'q', k]),
        any::<u8>().prop_map(|k| vec![0x82, k]),
        "[a-z_]{0,8}".prop_map(|s| {
            let mut v = vec![0x8c, s.len() as u8];
            v.extend(s.bytes());
            v
        }),
        any::<u32>().prop_map(|n| {
            let mut v = vec![b'B'];
            v.extend(n.to_le_bytes());
            v
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn random_op_sequences_never_panic(ops in proptest::collection::vec(op(), 0..60), stop in any::<bool>()) {
        let mut b = vec![0x80, 4];
        for o in ops { b.extend(o); }
        if stop { b.push(b'.'); }
        let s = Session::from_bytes(b);
        let d = s.describer();
        for e in &s.entries {
            if let Some(v) = e.value {
                let _ = d.children(v);
                let _ = d.type_of(v);
            }
        }
        let names: Vec<&str> = s.entries.iter().map(|e| e.name.as_str()).take(1).collect();
        let _ = s.dump_without(&names);
    }

    #[test]
    fn random_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = Session::from_bytes(b);
    }
}

/// Found by cargo fuzz: a BINUNICODE8 claiming 2^64-1 bytes overflowed the length sum.
#[test]
fn fuzz_crash_huge_counted_length_does_not_overflow() {
    let p = parse_bytes(vec![
        0x89, 0x8d, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    ]);
    assert!(p.error.unwrap().is_truncation());
}

/// Issue 11: a long protocol-0 text line is read with a window that doubles, so
/// the number of reads grows with the log of the line, not with its length.
#[test]
fn issue_11_a_long_text_line_takes_few_reads() {
    let mut b = b"V".to_vec();
    b.extend(std::iter::repeat_n(b'a', 256 << 10));
    b.extend(b"\n.");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("line.pkl");
    std::fs::write(&path, &b).unwrap();
    let source = brine::pickle::Source::open(&path).unwrap();
    let limits = brine::pickle::Limits {
        window: 4096,
        ..brine::pickle::Limits::default()
    };
    let p = brine::pickle::parse(source, limits);
    assert!(p.error.is_none(), "{:?}", p.error);
    // 256 KiB through a 4 KiB window: about log2(64) + a few reads; it was one read per byte.
    let reads = p.source.reads();
    assert!(reads < 40, "{reads} reads for a 256 KiB line");
}
