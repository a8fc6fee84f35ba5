# The two commands of the README, plus the installer they both call, and the benchmark.
.PHONY: run test setup bench
run:
	scripts/run.sh
test:
	scripts/test.sh
setup:
	scripts/setup.sh
bench:
	scripts/bench.sh
# The container image, built offline from host artefacts (scripts/image.sh), and its tests.
.PHONY: image test-image
image:
	scripts/image.sh
test-image:
	scripts/test-image.sh
