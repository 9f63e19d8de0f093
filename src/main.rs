//! The `failreel` binary: a thin shell over [`failreel::main_with_args`].

fn main() {
    std::process::exit(failreel::main_with_args(std::env::args_os()));
}
