"""Runs the Python suites (tests/Python/test_*.py, standard unittest) against local vaults, from any folder.

    /usr/bin/python3 tests/Python/run.py [-k PATTERN ...]

The last line is always "Python summary: N tests, P passed, F failed, S skipped, E errors". Exit codes: 0 all passed,
1 a test failed or errored (or no test ran), 3 this interpreter lacks the Azure SDK for Python or python3-cryptography
(nothing ran: the caller reports a skip; on Debian: apt-get install python3-azure python3-cryptography)."""

import argparse
import importlib
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REQUIRED = ("azure.keyvault.certificates", "azure.identity", "cryptography")
MISSING_SDK = 3


def missing_modules():
    missing = []
    for name in REQUIRED:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    return missing


RANK = {"passed": 0, "skipped": 1, "failed": 2, "error": 3}


class SummaryResult(unittest.TextTestResult):
    """unittest's result, plus one outcome per test (a test with failing subtests is one failed test) and per class or
    module fixture that errored (setUpClass and the like run no test but are counted as one error each)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcomes = {}

    def record(self, test, outcome):
        key = test.id()
        if RANK[outcome] >= RANK[self.outcomes.get(key, "passed")]:
            self.outcomes[key] = outcome

    def startTest(self, test):
        super().startTest(test)
        self.record(test, "passed")

    def addError(self, test, err):
        super().addError(test, err)
        self.record(test, "error")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.record(test, "failed")

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.record(test, "skipped")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self.record(test, "failed")

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self.record(test, "failed" if issubclass(err[0], test.failureException) else "error")

    def count(self, outcome):
        return sum(1 for value in self.outcomes.values() if value == outcome)


def summary(passed, failed, skipped, errors):
    return "Python summary: %d tests, %d passed, %d failed, %d skipped, %d errors" % (
        passed + failed + skipped + errors, passed, failed, skipped, errors)


def main(arguments):
    parser = argparse.ArgumentParser(description="Runs tests/Python/test_*.py against local vaults.")
    parser.add_argument("-k", dest="patterns", action="append", default=[],
                        help="only tests whose name contains this (unittest -k; repeatable)")
    options = parser.parse_args(arguments)

    missing = missing_modules()
    if missing:
        print("The Python suites need %s, which %s cannot import: install python3-azure and python3-cryptography "
              "(Debian) for this interpreter, or run the suites with the interpreter that has them (/usr/bin/python3 "
              "on Debian). Nothing was run." % (", ".join(missing), sys.executable))
        print(summary(0, 0, 0, 0))
        return MISSING_SDK

    sys.path.insert(0, HERE)
    loader = unittest.TestLoader()
    loader.testNamePatterns = ["*%s*" % pattern for pattern in options.patterns] or None
    suite = loader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2, resultclass=SummaryResult).run(suite)

    passed, failed, skipped, errors = (result.count(outcome) for outcome in ("passed", "failed", "skipped", "error"))
    print(summary(passed, failed, skipped, errors))
    return 0 if result.testsRun > 0 and failed == 0 and errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
