//! Configuration errors that name the place: file, line, column and key (or the
//! environment variable the value came from), rendered with miette.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use miette::{GraphicalReportHandler, GraphicalTheme, NamedSource, SourceSpan};

/// Where a configuration value (or its absence) lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A byte range in the configuration file.
    File(Range<usize>),
    /// An environment variable override.
    Env(String),
    /// Nowhere in particular (a missing section, an unreadable file).
    None,
}

/// One thing wrong with the configuration.
#[derive(Debug, Clone)]
pub struct ConfigError {
    /// The dotted key path, e.g. `job[1].schedule` or `prom.base_url`.
    pub key: String,
    pub message: String,
    pub help: Option<String>,
    pub origin: Origin,
}

/// Every error found in one configuration file, in file order.
#[derive(Debug, Clone)]
pub struct ConfigErrors {
    pub file: PathBuf,
    pub text: String,
    pub errors: Vec<ConfigError>,
}

impl ConfigErrors {
    pub fn single(file: &Path, key: &str, message: impl Into<String>) -> Self {
        Self {
            file: file.to_path_buf(),
            text: String::new(),
            errors: vec![ConfigError {
                key: key.to_string(),
                message: message.into(),
                help: None,
                origin: Origin::None,
            }],
        }
    }

    /// `line:column` (1-based) of a byte offset in the file.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        line_col(&self.text, offset)
    }

    /// The errors as the terminal shows them: one block per error with the offending
    /// line underlined. `color` adds ANSI colours.
    pub fn render(&self, color: bool) -> String {
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme).with_width(120);
        let mut out = String::new();
        let n = self.errors.len();
        out.push_str(&format!(
            "{}: {} error{} in the configuration\n\n",
            self.file.display(),
            n,
            if n == 1 { "" } else { "s" }
        ));
        for err in &self.errors {
            let diag = Rendered::new(self, err);
            if handler.render_report(&mut out, &diag).is_err() {
                out.push_str(&self.plain_line(err));
            }
            out.push('\n');
        }
        out
    }

    /// `file:line:col: key: message`, one line, for logs.
    pub fn plain_line(&self, err: &ConfigError) -> String {
        let place = match &err.origin {
            Origin::File(span) => {
                let (l, c) = self.line_col(span.start);
                format!("{}:{l}:{c}", self.file.display())
            }
            Origin::Env(var) => format!("environment variable {var}"),
            Origin::None => self.file.display().to_string(),
        };
        let mut s = format!("{place}: {}: {}", err.key, err.message);
        if let Some(h) = &err.help {
            s.push_str(&format!(" ({h})"));
        }
        s
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}", self.plain_line(e))?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit_once('\n')
        .map_or(before, |(_, rest)| rest)
        .chars()
        .count()
        + 1;
    (line, col)
}

#[derive(Debug, thiserror::Error)]
#[error("{headline}")]
struct Rendered {
    headline: String,
    src: Option<NamedSource<String>>,
    span: Option<SourceSpan>,
    label: String,
    help: Option<String>,
}

impl Rendered {
    fn new(all: &ConfigErrors, err: &ConfigError) -> Self {
        let (src, span, headline) = match &err.origin {
            Origin::File(range) => {
                let (l, c) = all.line_col(range.start);
                (
                    Some(NamedSource::new(
                        all.file.display().to_string(),
                        all.text.clone(),
                    )),
                    Some(SourceSpan::from(range.clone())),
                    format!(
                        "{}:{l}:{c}: {}: {}",
                        all.file.display(),
                        err.key,
                        err.message
                    ),
                )
            }
            Origin::Env(var) => (
                None,
                None,
                format!(
                    "{}: {} (set by environment variable {var})",
                    err.key, err.message
                ),
            ),
            Origin::None => (
                None,
                None,
                format!("{}: {}: {}", all.file.display(), err.key, err.message),
            ),
        };
        Self {
            headline,
            src,
            span,
            label: short_label(&err.message),
            help: err.help.clone(),
        }
    }
}

/// The most specific part of a message, to put under the offending span.
fn short_label(message: &str) -> String {
    message.rsplit(": ").next().unwrap_or(message).to_string()
}

impl miette::Diagnostic for Rendered {
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.src.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let span = self.span?;
        Some(Box::new(std::iter::once(
            miette::LabeledSpan::new_with_span(Some(self.label.clone()), span),
        )))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h.clone()) as Box<dyn fmt::Display>)
    }
}

#[cfg(test)]
mod tests {
    use super::line_col;

    #[test]
    fn line_and_column_are_one_based() {
        let t = "a = 1\nbé = 2\n";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 6), (2, 1));
        assert_eq!(line_col(t, t.find('=').unwrap()), (1, 3));
        assert_eq!(line_col(t, t.rfind('=').unwrap()), (2, 4));
    }
}
