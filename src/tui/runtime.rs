//! The loop that owns the terminal: draws, turns keys into actions, runs
//! commands on worker threads, feeds their results back, and suspends the
//! screen for restore. Everything else lives in `App`.

use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use crossterm::event::{self, DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::DefaultTerminal;

use super::action::Action;
use super::app::App;
use super::config::Config;
use super::jobs::{self, Command, Event};
use super::render::render;
use crate::store::watch;

/// How often time advances when nothing else happens.
const TICK: Duration = Duration::from_millis(250);
/// How long to wait for a key while background work is running.
const BUSY_POLL: Duration = Duration::from_millis(20);

pub fn run(
    config: Config,
    config_error: Option<String>,
    dirs: Vec<PathBuf>,
    select: Option<PathBuf>,
) -> io::Result<()> {
    let mouse = config.ui.mouse;
    let (mut app, first) = App::new(config, dirs, SystemTime::now());
    app.select_when_listed(select);
    if let Some(e) = config_error {
        app.update(Action::Tick(SystemTime::now()));
        app.message = Some(super::app::Message {
            level: super::app::Level::Error,
            text: e,
        });
    }
    let mut terminal = ratatui::try_init()?;
    if mouse {
        execute!(io::stdout(), EnableMouseCapture)?;
    }
    let result = Runtime::new(&app).and_then(|mut rt| rt.run(&mut terminal, &mut app, first));
    if mouse {
        let _ = execute!(io::stdout(), DisableMouseCapture);
    }
    ratatui::restore();
    result
}

struct Runtime {
    tx: Sender<Event>,
    rx: Receiver<Event>,
    probes: Sender<PathBuf>,
    /// Jobs started and not yet reported back (for the poll rate).
    busy: usize,
    _watch: Option<watch::Watch>,
    mouse: bool,
}

impl Runtime {
    fn new(app: &App) -> io::Result<Runtime> {
        let (tx, rx) = mpsc::channel();
        let probes = spawn_prober(tx.clone());
        let wtx = tx.clone();
        let w = watch::watch(&app.dirs, app.config.watch.recursive, move |paths| {
            let _ = wtx.send(Event::Changed(paths));
        });
        let watch_error = w
            .as_ref()
            .err()
            .map(|e| format!("not watching for changes: {e}"));
        if let Some(e) = watch_error {
            let _ = tx.send(Event::Restored(Err(e)));
        }
        Ok(Runtime {
            tx,
            rx,
            probes,
            busy: 0,
            _watch: w.ok(),
            mouse: app.config.ui.mouse,
        })
    }

    fn run(
        &mut self,
        terminal: &mut DefaultTerminal,
        app: &mut App,
        first: Vec<Command>,
    ) -> io::Result<()> {
        self.dispatch(terminal, app, first)?;
        let mut last_tick = Instant::now();
        loop {
            terminal.draw(|f| render(app, f))?;
            if app.quit {
                return Ok(());
            }
            let wait = if self.busy > 0 || app.loading.is_some() {
                BUSY_POLL
            } else {
                TICK.saturating_sub(last_tick.elapsed())
            };
            if event::poll(wait)? {
                let ev = event::read()?;
                if let Some(a) = app.keymap.action(app.mode(), &ev) {
                    let cmds = app.update(a);
                    self.dispatch(terminal, app, cmds)?;
                }
            }
            while let Ok(e) = self.rx.try_recv() {
                if counts_as_done(&e) {
                    self.busy = self.busy.saturating_sub(1);
                }
                let cmds = app.on_event(e);
                self.dispatch(terminal, app, cmds)?;
            }
            if last_tick.elapsed() >= TICK {
                last_tick = Instant::now();
                let cmds = app.update(Action::Tick(SystemTime::now()));
                self.dispatch(terminal, app, cmds)?;
            }
        }
    }

    fn dispatch(
        &mut self,
        terminal: &mut DefaultTerminal,
        app: &mut App,
        cmds: Vec<Command>,
    ) -> io::Result<()> {
        for cmd in cmds {
            match cmd {
                Command::Probe(p) => {
                    let _ = self.probes.send(p);
                }
                Command::Restore {
                    path,
                    only,
                    python,
                    trust,
                } => {
                    let result = self.restore(terminal, &path, &only, &python, trust);
                    let more = app.on_event(Event::Restored(result));
                    // Restore never leads to another restore; the rest are jobs.
                    for c in more {
                        self.spawn(c);
                    }
                }
                other => self.spawn(other),
            }
        }
        Ok(())
    }

    fn spawn(&mut self, cmd: Command) {
        self.busy += 1;
        let tx = self.tx.clone();
        thread::spawn(move || jobs::perform(cmd, &mut |e| drop(tx.send(e))));
    }

    /// Hands the terminal to Python and takes it back when Python exits.
    ///
    /// `crate::restore::run` does the work: it extracts marked names, prints
    /// the env and scan verdicts above Python's prompt, refuses a dangerous
    /// file unless `trust`, and cleans up its temporary extract.
    fn restore(
        &mut self,
        terminal: &mut DefaultTerminal,
        path: &Path,
        only: &[String],
        python: &[String],
        trust: bool,
    ) -> Result<String, String> {
        let mut out = io::stdout();
        let _ = execute!(out, DisableMouseCapture, LeaveAlternateScreen);
        let _ = crossterm::terminal::disable_raw_mode();
        let _ = writeln!(
            out,
            "brine: restoring {} into {}",
            path.display(),
            python.join(" ")
        );
        let result = crate::restore::run(path, only, python, false, trust, &mut io::stderr());
        if !matches!(result, Ok(0)) {
            // Python failed or never started: leave its last words on screen until read.
            if let Err(e) = &result {
                let _ = writeln!(out, "brine: {e}");
            }
            let _ = write!(out, "brine: press enter to go back to brine ");
            let _ = out.flush();
            let _ = io::stdin().read_line(&mut String::new());
        }
        let _ = crossterm::terminal::enable_raw_mode();
        let _ = execute!(out, EnterAlternateScreen);
        if self.mouse {
            let _ = execute!(out, EnableMouseCapture);
        }
        let _ = terminal.clear();
        let shown = python.first().map_or("python", String::as_str);
        result
            .map(|code| format!("back from {shown}: exit {code}"))
            .map_err(|e| e.to_string())
    }
}

fn counts_as_done(e: &Event) -> bool {
    !matches!(
        e,
        Event::Progress { .. } | Event::Changed(_) | Event::Probed { .. }
    )
}

/// One thread probes files in order, so a big directory never floods the machine.
fn spawn_prober(tx: Sender<Event>) -> Sender<PathBuf> {
    let (ptx, prx) = mpsc::channel::<PathBuf>();
    thread::spawn(move || {
        while let Ok(p) = prx.recv() {
            let mut gone = false;
            jobs::perform(Command::Probe(p), &mut |e| {
                gone |= tx.send(e).is_err();
            });
            if gone {
                return;
            }
        }
    });
    ptx
}
