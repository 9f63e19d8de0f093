//! The `failreel` binary: a thin shell over [`failreel::app`].

fn main() {
    std::process::exit(failreel::app::main_with_args(std::env::args_os()));
}
