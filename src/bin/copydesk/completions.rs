//! `copydesk completions SHELL` and `copydesk man`: shell completion scripts and the manual
//! page, generated from the command line's own definition so they cannot drift from it.

use crate::Cli;
use anyhow::Result;
use clap::CommandFactory;
use clap_complete::Shell;

/// `copydesk completions`'s options.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  copydesk completions bash > ~/.local/share/bash-completion/completions/copydesk
  copydesk completions zsh > ~/.zfunc/_copydesk
  copydesk completions fish > ~/.config/fish/completions/copydesk.fish")]
pub(crate) struct CompletionsArgs {
    /// The shell to write a completion script for.
    #[arg(value_enum)]
    shell: Shell,
}

/// Writes the completion script for the chosen shell to stdout.
pub(crate) fn completions(args: &CompletionsArgs) -> Result<()> {
    let mut command = Cli::command();
    clap_complete::generate(args.shell, &mut command, "copydesk", &mut std::io::stdout());
    Ok(())
}

/// Writes the manual page, in roff, to stdout.
pub(crate) fn man() -> Result<()> {
    clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())?;
    Ok(())
}
