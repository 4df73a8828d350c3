//! `cargo xtask`: setup, build, test and serve automation (being built).

fn main() {
    eprintln!("xtask: no command yet");
    std::process::exit(2);
}
