//! `svcsim validate FILE…`: load each file through the strict path (as a
//! scenario would be) and print every error and warning as
//! `file:line:col: path: message`. Exit status 1 when any file has errors,
//! 0 otherwise (warnings alone do not fail).

use crate::CliError;

#[derive(clap::Args)]
pub struct Args {
    /// Manifest or scenario files (YAML or JSON); `-` reads stdin.
    #[arg(required = true)]
    files: Vec<String>,
    /// Print nothing for files without problems (by default a one-line
    /// summary per file goes to stderr).
    #[arg(short, long)]
    quiet: bool,
}

pub fn run(args: Args) -> Result<(), CliError> {
    let mut failed = false;
    for file in &args.files {
        let text = read(file)?;
        match svcsim_manifests::load(&text, file) {
            Ok(loaded) => {
                for w in &loaded.warnings {
                    println!("{w}");
                }
                if !args.quiet {
                    eprintln!(
                        "{file}: ok: {} objects{}{}",
                        loaded.objects.len(),
                        if loaded.skipped.is_empty() {
                            String::new()
                        } else {
                            format!(", {} skipped", loaded.skipped.len())
                        },
                        if loaded.warnings.is_empty() {
                            String::new()
                        } else {
                            format!(", {} warnings", loaded.warnings.len())
                        }
                    );
                }
            }
            Err(diags) => {
                failed = true;
                for d in &diags {
                    println!("{d}");
                }
                let errors = diags.iter().filter(|d| d.is_error()).count();
                if !args.quiet {
                    eprintln!("{file}: {errors} errors");
                }
            }
        }
    }
    if failed {
        // The diagnostics are the message; the exit status says the rest.
        return Err(CliError::failed(""));
    }
    Ok(())
}

/// Read a file, refusing one over the loader's size limit before reading it
/// all (the loader would refuse it anyway, with the same limit).
fn read(file: &str) -> Result<String, CliError> {
    if file != "-" {
        if let Ok(meta) = std::fs::metadata(file) {
            let limit = svcsim_manifests::LIMITS.max_bytes as u64;
            if meta.len() > limit {
                return Err(CliError::failed(format!(
                    "{file}:1:1: input is {} bytes, over the limit of {limit} bytes ({} KiB)",
                    meta.len(),
                    limit / 1024
                )));
            }
        }
    }
    super::read_input(file)
}
