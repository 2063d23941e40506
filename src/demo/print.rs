//! How the demo speaks: a titled paragraph per step, with the commands a user would
//! type and what Prom.ua (the sandbox) now shows; `--step` pauses between steps.

use std::io::{BufRead, IsTerminal};
use std::time::Duration;

use tokio::sync::mpsc;

/// How long a pause waits for a line on a stdin that is not a terminal (a pipe kept
/// open by a script): never forever.
const PIPE_WAIT: Duration = Duration::from_secs(30);

/// Prints the steps; pauses between them when asked.
pub struct Screen {
    total: usize,
    shown: usize,
    pause: Option<Pause>,
}

/// Lines of stdin, read on their own thread so a pause can give up waiting.
struct Pause {
    lines: mpsc::UnboundedReceiver<()>,
    /// Stdin is a terminal: a person answers, so there is no time limit.
    terminal: bool,
    /// Stdin ended (closed, or `< /dev/null`): no more pauses.
    ended: bool,
}

impl Screen {
    pub fn new(total: usize, step: bool) -> Self {
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
            pause,
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

    async fn wait(&mut self) {
        let Some(p) = self.pause.as_mut() else {
            return;
        };
        if p.ended {
            return;
        }
        print!("\n-- press Enter for the next step --");
        use std::io::Write;
        let _ = std::io::stdout().flush();
        let got = if p.terminal {
            p.lines.recv().await
        } else {
            tokio::time::timeout(PIPE_WAIT, p.lines.recv())
                .await
                .unwrap_or(Some(()))
        };
        if got.is_none() {
            p.ended = true;
        }
        println!();
    }
}

/// A command the user would type, as the demo ran it.
pub fn command(args: &str) {
    println!("  $ promua-sync {args}");
}

/// A line of the paragraph.
pub fn say(text: &str) {
    println!("  {text}");
}

/// What Prom.ua (the sandbox) shows now.
pub fn prom_shows(text: &str) {
    println!("  Prom now shows: {text}");
}
