//! The error that ends a command: one line for the user and the exit code it
//! maps to. Shared by the CLI and the TUI.

/// An error for the user: one line, and the exit code it maps to.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub code: u8,
}

impl Failure {
    pub fn error(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            code: 1,
        }
    }
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            code: 2,
        }
    }
    /// The reader went away (`brine inspect … | head -1`): end quietly, as
    /// Unix tools do, with no message.
    pub fn quiet() -> Failure {
        Failure {
            message: String::new(),
            code: 0,
        }
    }
    /// True when nothing should be printed for this failure.
    pub fn is_quiet(&self) -> bool {
        self.message.is_empty()
    }
}

/// Writing output failed; a closed pipe is not an error worth a line.
impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Failure {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Failure::quiet()
        } else {
            Failure::error(format!("writing the output: {e}"))
        }
    }
}
