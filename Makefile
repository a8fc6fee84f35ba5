# The two commands of the README, plus the installer they both call, the benchmark, and the
# fuzz targets (FUZZ_SECONDS each, default 60).
.PHONY: run test setup bench fuzz
run:
	scripts/run.sh
test:
	scripts/test.sh
setup:
	scripts/setup.sh
bench:
	scripts/bench.sh
fuzz:
	scripts/fuzz.sh
# The container image, built offline from host artefacts (scripts/image.sh), and its tests.
.PHONY: image test-image
image:
	scripts/image.sh
test-image:
	scripts/test-image.sh
