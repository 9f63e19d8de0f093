# failreel: `make demo` renders a demo reel from the sample the repo ships; `make test` runs
# the whole test suite. Both install the system packages they need first.
CARGO ?= $(shell command -v cargo 2>/dev/null || echo $(HOME)/.cargo/bin/cargo)

.PHONY: deps build demo test lint bench bench-vs-ffmpeg

deps:
	@./scripts/install-deps.sh

build: deps
	$(CARGO) build --release

demo: build
	./target/release/failreel render assets/samples/reaction.mp4 --preset tiktok \
	  --start 0.4 --end 5.6 --focus 0.62 \
	  --went-wrong "Forgot the butter was still on high 🔥" \
	  --lesson "Medium heat, and never walk away from the pan" \
	  -o reels/demo.tiktok.mp4
	@echo "demo reel: reels/demo.tiktok.mp4"

# Two test threads a core (at most 8): most tests wait on a failreel or ffmpeg child, a pipe or
# a signal, so at one a core the suite left the CPU idle 40% of its run (2 cores: 209 s at 2
# threads, 126 s at 4, same CPU time). Override with `make test TEST_THREADS=N`.
TEST_THREADS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); t=$$((n * 2)); [ $$t -gt 8 ] && t=8; echo $$t)

test: deps
	RUST_TEST_THREADS=$(TEST_THREADS) $(CARGO) test --release

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --release --all-targets --features bench -- -D warnings

bench: deps
	$(CARGO) bench --features bench
