//! The `failreel` binary: a thin shell over [`failreel::cli::app`].

fn main() {
    std::process::exit(failreel::cli::app::main_with_args(std::env::args_os()));
}
