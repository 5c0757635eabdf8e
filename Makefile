# Quick start: `make demo` and `make test` set up what is missing (project-local .venv),
# then run. Set-up is idempotent; a second run takes a few seconds.
PY := .venv/bin/python
TEST_ARGS ?=

.PHONY: setup demo test bench clean

setup:
	@bash tools/setup_env.sh
	@if [ -d ../shared/data/camvid ] && [ ! -e data/camvid ]; then \
		ln -s ../../shared/data/camvid data/camvid && echo "linked data/camvid -> ../shared/data/camvid"; fi

demo: setup
	$(PY) tools/demo.py

test: setup
	$(PY) -m pytest tests $(TEST_ARGS)

clean:
	rm -rf build *.egg-info mmwsss/_ext*.so work_dirs data/toy
