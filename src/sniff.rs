//! What a file that is not a pickle is, from its first bytes: `.npy`, gzip,
//! HDF5 and the like get a name instead of opcode-speak. Reads a prefix of
//! bytes already in memory; never opens, unpacks or runs anything.

/// A known non-pickle format, named for the user ("a gzip file").
pub fn identify(head: &[u8]) -> Option<String> {
    let starts = |m: &[u8]| head.starts_with(m);
    let what = if starts(b"\x93NUMPY") {
        "a NumPy .npy array (load it with numpy.load)"
    } else if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") {
        return Some(zip_kind(head).to_string());
    } else if starts(b"\x1f\x8b") {
        "a gzip file (gunzip it first; brine reads the pickle inside only once unpacked)"
    } else if starts(b"BZh") && head.get(3).is_some_and(u8::is_ascii_digit) {
        "a bzip2 file (bunzip2 it first)"
    } else if starts(b"\xfd7zXZ\x00") {
        "an xz file (unxz it first)"
    } else if starts(b"\x28\xb5\x2f\xfd") {
        "a zstd file (unzstd it first)"
    } else if starts(b"\x89HDF\r\n\x1a\n") {
        "an HDF5 file (h5py, pandas.HDFStore or Keras)"
    } else if starts(b"PAR1") {
        "a Parquet file (pandas.read_parquet)"
    } else if starts(b"ZF") || is_zlib(head) {
        "zlib-compressed data, as joblib.dump(compress=…) writes (load it with joblib.load)"
    } else if starts(b"version https://git-lfs.github.com/spec/") {
        "a git-lfs pointer, not the file itself (run git lfs pull)"
    } else if is_safetensors(head) {
        "a safetensors file (safetensors.safe_open)"
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        "a PNG image"
    } else if starts(b"%PDF-") {
        "a PDF document"
    } else if starts(b"SQLite format 3\x00") {
        "an SQLite database"
    } else {
        return None;
    };
    Some(what.to_string())
}

/// A zip holding `.npy` members is an `.npz`; PyTorch saves zips with a `data.pkl`.
fn zip_kind(head: &[u8]) -> &'static str {
    // The first local header: name length at 26, name at 30.
    let name = head
        .get(26..28)
        .map(|b| u16::from_le_bytes([b[0], b[1]]) as usize)
        .and_then(|n| head.get(30..30 + n))
        .unwrap_or_default();
    if name.ends_with(b".npy") {
        "a NumPy .npz archive (load it with numpy.load)"
    } else if name.ends_with(b"data.pkl") || name.windows(8).any(|w| w == b"data.pkl") {
        "a PyTorch checkpoint (a zip; torch.load runs its pickle)"
    } else {
        "a zip archive (unzip it first)"
    }
}

/// A zlib stream: CMF 0x78 and a header checksum that divides by 31.
fn is_zlib(head: &[u8]) -> bool {
    match head {
        [0x78, flg, ..] => (0x7800u16 | u16::from(*flg)).is_multiple_of(31),
        _ => false,
    }
}

/// Eight bytes of little-endian header length, then a JSON object.
fn is_safetensors(head: &[u8]) -> bool {
    let Some(len) = head.get(..8) else {
        return false;
    };
    let n = u64::from_le_bytes(len.try_into().unwrap_or([0; 8]));
    n > 1 && n < (100 << 20) && head.get(8) == Some(&b'{')
}

#[cfg(test)]
mod tests {
    use super::identify;

    #[test]
    fn names_the_common_formats() {
        let cases: &[(&[u8], &str)] = &[
            (b"\x93NUMPY\x01\x00v\x00{'descr'", "npy"),
            (b"\x1f\x8b\x08\x00", "gzip"),
            (b"\x89HDF\r\n\x1a\n\x00", "HDF5"),
            (b"PAR1\x15\x04", "Parquet"),
            (b"\x78\x9c\xed\x9d", "joblib"),
            (
                b"version https://git-lfs.github.com/spec/v1\noid sha256:",
                "git-lfs",
            ),
            (b"\x40\x00\x00\x00\x00\x00\x00\x00{\"a\":", "safetensors"),
        ];
        for (head, word) in cases {
            let got = identify(head).unwrap_or_default();
            assert!(got.contains(word), "{word}: {got}");
        }
    }

    #[test]
    fn pickles_are_not_claimed() {
        assert_eq!(identify(b"\x80\x04\x95\x10\x00\x00\x00"), None);
        assert_eq!(identify(b"(dp0\nS'a'\n"), None);
        assert_eq!(identify(b"}q\x00"), None);
    }
}
