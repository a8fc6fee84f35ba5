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
