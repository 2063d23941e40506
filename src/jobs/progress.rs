//! Progress of a long read: a bar on a terminal, a log line every thousand items in the
//! daemon.

/// Progress of a long read.
pub(crate) struct Progress {
    bar: Option<indicatif::ProgressBar>,
    logged: usize,
}

impl Progress {
    pub(crate) fn new(interactive: bool, what: &str) -> Self {
        let bar = interactive.then(|| {
            let b = indicatif::ProgressBar::new_spinner();
            b.set_message(what.to_string());
            b
        });
        Self { bar, logged: 0 }
    }

    pub(crate) fn at(&mut self, n: usize, what: &str) {
        match &self.bar {
            Some(b) => {
                b.set_position(n as u64);
                b.set_message(format!("{what}: {n}"));
            }
            None if n >= self.logged + 1000 => {
                self.logged = n;
                tracing::info!("{what}: {n}");
            }
            None => {}
        }
    }

    pub(crate) fn done(self) {
        if let Some(b) = self.bar {
            b.finish_and_clear();
        }
    }
}
