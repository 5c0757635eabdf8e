# Quick start: `make demo` and `make test` set up what is missing (project-local .venv),
# then run. Set-up is idempotent; a second run takes a few seconds.
PY := .venv/bin/python
TEST_ARGS ?=

.PHONY: setup demo test bench clean

setup:
	@bash tools/setup_env.sh

demo: setup
	$(PY) tools/demo.py

test: setup
	$(PY) -m pytest tests $(TEST_ARGS)

clean:
	rm -rf build *.egg-info mmwsss/_ext*.so work_dirs data/toy
