# Two commands a newcomer needs:  `make run`  and  `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup system-deps test-postgres run demo test lint docs bench clean pose-model

# An older set-up had opencv-python-headless: removed first, as it would share cv2/ with the
# opencv-contrib-python that mediapipe requires.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	-$(BIN)/pip uninstall --quiet --yes opencv-python-headless
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,video]'
	$(BIN)/python -m runnersknee.gait.pose_bundle
	touch $(STAMP)

## System packages for the browser tests: Debian chromium and axe-core (npm).
system-deps:
	sh scripts/install-system-deps.sh

## The PostgreSQL of the tests: the server on 127.0.0.1:5432, else a throw-away one.
test-postgres:
	sh scripts/test-postgres.sh

setup: $(STAMP)

## (Re)build the MediaPipe Tasks pose bundle from the models in the mediapipe 0.10.14 wheel.
pose-model: setup
	$(BIN)/python -m runnersknee.gait.pose_bundle

## Set up and start the main job (demo on the embedded SQLite default).
run: setup
	$(BIN)/runnersknee demo

demo: run

## Set up and run every check and test.
test: setup system-deps test-postgres lint
	$(BIN)/python -m pytest -n 2 -p no:cacheprovider

lint: setup
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

docs: setup
	$(BIN)/python scripts/generate-docs.py

bench: setup
	for f in benchmarks/bench_*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
