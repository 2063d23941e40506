//! `completions SHELL` and `man [--dir DIR]`: shell completion scripts and man pages
//! generated from the clap definitions, so they never drift from the commands. They read
//! no configuration (a packager runs them on a build machine).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{CommandFactory, ValueEnum};
use clap_mangen::Man;

use super::{Cli, EXIT_ERROR, fail};

/// The shells a completion script is written for (the ones Debian ships completion
/// directories for).
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

const BIN: &str = "promua-sync";

/// The script for `shell`, on stdout.
pub fn completions(shell: Shell) -> u8 {
    let generator = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    // Into memory first: clap_complete panics on a failed write; ours is reported.
    let mut script = Vec::new();
    clap_complete::generate(generator, &mut Cli::command(), BIN, &mut script);
    if let Shell::Bash = shell {
        script = mend_bash_hyphen(&script);
    }
    write_stdout(&script)
}

/// clap_complete's bash script spells the state of a subcommand two ways when the binary's
/// name has a hyphen: its loop arrives at `promua__sync__subcmd__job`, its case arms wait for
/// `promua__subcmd__sync__subcmd__job`, so nothing after the first word completed
/// (clap-rs/clap#6421, open in clap_complete 4.6.12). The arms are respelled as the loop
/// spells them; once clap_complete is fixed this replaces nothing.
fn mend_bash_hyphen(script: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(script)
        .replace("promua__subcmd__sync", "promua__sync")
        .into_bytes()
}

/// The main page on stdout; with `dir`, the main page and one page per command
/// (`promua-sync-job-run.1`, ...) written there, their paths listed on stdout.
pub fn man(dir: Option<&Path>) -> u8 {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    // Building names the subcommands `promua-sync-job`, ..., as the pages' names and the
    // main page's SUBCOMMANDS section (`promua-sync-job(1)`) call them.
    cmd.build();
    let Some(dir) = dir else {
        return match main_page(&cmd) {
            Ok(page) => write_stdout(&page),
            Err(e) => fail(EXIT_ERROR, &format!("writing the man page failed: {e}")),
        };
    };
    match write_pages(&cmd, dir) {
        Ok(paths) => {
            let list: String = paths.iter().map(|p| format!("{}\n", p.display())).collect();
            write_stdout(list.as_bytes())
        }
        Err(e) => fail(
            EXIT_ERROR,
            &format!("writing the man pages to {} failed: {e}", dir.display()),
        ),
    }
}

fn write_pages(cmd: &clap::Command, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let main = dir.join(format!("{BIN}.1"));
    std::fs::write(&main, main_page(cmd)?)?;
    let mut paths = vec![main];
    for sub in visible_subcommands(cmd) {
        sub_pages(sub, dir, &mut paths)?;
    }
    Ok(paths)
}

/// `cmd`'s page and its subcommands', depth first.
fn sub_pages(cmd: &clap::Command, dir: &Path, paths: &mut Vec<PathBuf>) -> std::io::Result<()> {
    // The footer names the program and its version, as the main page's does.
    let source = format!("{BIN} {}", env!("CARGO_PKG_VERSION"));
    paths.push(Man::new(cmd.clone()).source(source).generate_to(dir)?);
    for sub in visible_subcommands(cmd) {
        sub_pages(sub, dir, paths)?;
    }
    Ok(())
}

fn visible_subcommands(cmd: &clap::Command) -> impl Iterator<Item = &clap::Command> {
    cmd.get_subcommands().filter(|s| !s.is_hide_set())
}

/// clap_mangen's sections, with what clap does not know inserted before VERSION: exit
/// status, environment, files.
fn main_page(cmd: &clap::Command) -> std::io::Result<Vec<u8>> {
    let man = Man::new(cmd.clone());
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    man.render_subcommands_section(&mut page)?;
    page.extend_from_slice(EXTRA_SECTIONS.as_bytes());
    man.render_version_section(&mut page)?;
    Ok(page)
}

/// Roff for the main page (DESIGN.md section 6 fixes the exit codes and the variables).
const EXTRA_SECTIONS: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
success
.TP
\fB1\fR
a run that finished with failed items, or that a guard stopped
.TP
\fB2\fR
bad usage, bad input or bad configuration
.TP
\fB3\fR
an error that stopped the command (the store held by the daemon, the token refused, a damaged store, ...)
.SH ENVIRONMENT
.TP
\fBPROMUA_SYNC__\fISECTION\fB__\fIKEY\fR
overrides the configuration key \fIKEY\fR of \fI[SECTION]\fR, e.g. \fBPROMUA_SYNC__STORE__PATH\fR
.TP
\fBPROMUA_SYNC__PROM__TOKEN\fR
the Prom.ua API token (or \fBPROMUA_SYNC__PROM__TOKEN_FILE\fR, a file holding it)
.TP
\fBRUST_LOG\fR
the log filter, e.g. \fBinfo\fR or \fBpromua_sync=debug\fR
.TP
\fBNO_COLOR\fR
no colours in messages
.SH FILES
.TP
\fI./jobs.toml\fR, \fI/etc/promua\-sync/jobs.toml\fR
the configuration, when \fB\-\-config\fR is not given (the first that exists)
.TP
\fI/var/lib/promua\-sync/store\fR
the store under the systemd unit \fBpromua\-sync.service\fR; \fBpromua\-sync@\fINAME\fB.service\fR reads \fI/etc/promua\-sync/NAME.toml\fR and keeps \fI/var/lib/promua\-sync/NAME/store\fR
.TP
\fI/etc/promua\-sync/prom\-token\fR
the Prom.ua token the unit passes to the daemon as a credential
.SH "SEE ALSO"
\fBsystemctl\fR(1), \fBjournalctl\fR(1), and the README (\fI/usr/share/doc/promua\-sync/README.md\fR when installed from the package)
"#;

fn write_stdout(bytes: &[u8]) -> u8 {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => 0,
        Err(e) => fail(EXIT_ERROR, &format!("writing to stdout failed: {e}")),
    }
}
