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

test: deps
	$(CARGO) test --release

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --release --all-targets --features bench -- -D warnings

bench: deps
	$(CARGO) bench --features bench
