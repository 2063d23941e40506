//! How the demo speaks: a titled paragraph per step, with the commands a user would
//! type and what Prom.ua (the sandbox) now shows; `--step` pauses between steps.

use std::io::{BufRead, IsTerminal, Write};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

/// How long a pause waits for a line on a stdin that is not a terminal (a pipe kept
/// open by a script): never forever, and only once (see [`Screen::wait`]).
const PIPE_WAIT: Duration = Duration::from_secs(30);

/// Prints the steps; pauses between them when asked.
pub struct Screen {
    total: usize,
    shown: usize,
    /// `--config FILE ` as the printed commands carry it: the demo's configuration,
    /// never ./jobs.toml or /etc/promua-sync/jobs.toml (a real shop's).
    config_arg: String,
    pause: Option<Pause>,
    /// Time spent waiting for Enter: not the demo's work.
    waited: Duration,
}

/// Lines of stdin, read on their own thread so a pause can give up waiting.
struct Pause {
    lines: mpsc::UnboundedReceiver<()>,
    /// Stdin is a terminal: a person answers, so there is no time limit.
    terminal: bool,
    /// Stdin ended (closed, or `< /dev/null`), or a pipe gave no line in time: no more
    /// pauses.
    ended: bool,
}

impl Screen {
    pub fn new(total: usize, step: bool, config_arg: String) -> Self {
        let pause = step.then(|| {
            let (tx, lines) = mpsc::unbounded_channel();
            std::thread::spawn(move || {
                let mut stdin = std::io::stdin().lock();
                let mut line = String::new();
                // EOF or an error ends the thread; the closed channel then tells
                // every later pause to go on.
                while matches!(stdin.read_line(&mut line), Ok(n) if n > 0) {
                    line.clear();
                    if tx.send(()).is_err() {
                        break;
                    }
                }
            });
            Pause {
                lines,
                terminal: std::io::stdin().is_terminal(),
                ended: false,
            }
        });
        Self {
            total,
            shown: 0,
            config_arg,
            pause,
            waited: Duration::ZERO,
        }
    }

    /// Starts the next step: waits for Enter first under `--step` (not before the
    /// first), then prints its title.
    pub async fn step(&mut self, title: &str) {
        if self.shown > 0 {
            self.wait().await;
        }
        self.shown += 1;
        println!("\n== Step {}/{}: {title} ==", self.shown, self.total);
    }

    /// The screen after the steps (not one of them: it checks nothing).
    pub async fn closing(&mut self, title: &str) {
        self.wait().await;
        println!("\n== {title} ==");
    }

    /// How long the pauses waited, to leave out of the demo's time.
    pub fn waited(&self) -> Duration {
        self.waited
    }

    /// Waits for a line. On a terminal, as long as it takes. On a pipe, each line
    /// given is honoured; but a pipe that stays open and silent for [`PIPE_WAIT`] is
    /// a script that will not answer, so the demo says so once and pauses no more.
    async fn wait(&mut self) {
        let Some(p) = self.pause.as_mut() else {
            return;
        };
        if p.ended {
            return;
        }
        print!("\n-- press Enter for the next step --");
        let _ = std::io::stdout().flush();
        let from = Instant::now();
        let got = if p.terminal {
            p.lines.recv().await
        } else {
            match tokio::time::timeout(PIPE_WAIT, p.lines.recv()).await {
                Ok(got) => got,
                Err(_) => {
                    println!(
                        "\n(no line on stdin for {} s: not pausing any more)",
                        PIPE_WAIT.as_secs()
                    );
                    None
                }
            }
        };
        self.waited += from.elapsed();
        if got.is_none() {
            p.ended = true;
        }
        println!();
    }

    /// A command the user would type, as the demo ran it: with the demo's `--config`.
    pub fn command(&self, args: &str) {
        println!("  $ promua-sync {}{args}", self.config_arg);
    }
}

/// A line of the paragraph.
pub fn say(text: &str) {
    println!("  {text}");
}

/// What Prom.ua (the sandbox) shows now.
pub fn prom_shows(text: &str) {
    println!("  Prom now shows: {text}");
}
