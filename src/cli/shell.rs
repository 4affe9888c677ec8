//! `verbatim completions bash|zsh|fish|elvish|powershell` and `verbatim man`: the shell
//! completion script and the roff man page, generated from the same clap definition as
//! `--help`, written to stdout.
//!
//! ```sh
//! verbatim completions bash > ~/.local/share/bash-completion/completions/verbatim
//! verbatim man > ~/.local/share/man/man1/verbatim.1
//! ```

use std::io::Write;

use clap::CommandFactory;
use clap_complete::Shell;

#[derive(Debug, clap::Args)]
pub struct CompletionArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Print the completion script for `args.shell`.
pub fn completions(args: CompletionArgs) -> anyhow::Result<()> {
    let mut command = super::Cli::command();
    let mut out = std::io::stdout().lock();
    clap_complete::generate(args.shell, &mut command, "verbatim", &mut out);
    out.flush()?;
    Ok(())
}

/// Print the man page (section 1) of `verbatim` and its subcommands, in one page.
pub fn man() -> anyhow::Result<()> {
    let command = super::Cli::command();
    let mut out = std::io::stdout().lock();
    let man = clap_mangen::Man::new(command.clone());
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    man.render_options_section(&mut out)?;
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        writeln!(out, ".SH \"{}\"", sub.get_name().to_uppercase())?;
        if let Some(about) = sub.get_about() {
            writeln!(out, "{}", roff_text(&about.to_string()))?;
        }
        let named = sub.clone().bin_name(format!("verbatim {}", sub.get_name()));
        let sub_man = clap_mangen::Man::new(named);
        sub_man.render_synopsis_section(&mut out)?;
        sub_man.render_options_section(&mut out)?;
    }
    man.render_version_section(&mut out)?;
    out.flush()?;
    Ok(())
}

/// Text safe as a roff line: a leading `.` or `'` would be read as a request.
fn roff_text(s: &str) -> String {
    s.lines()
        .map(|l| match l.chars().next() {
            Some('.' | '\'') => format!("\\&{l}"),
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}
