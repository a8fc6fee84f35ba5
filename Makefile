# The two commands of the README, plus the installer they both call.
.PHONY: run test setup
run:
	scripts/run.sh
test:
	scripts/test.sh
setup:
	scripts/setup.sh
