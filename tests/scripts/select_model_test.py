#!/usr/bin/env python3
"""scripts/select-model: the selection rule of docs/learned.md on scorecards written here."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "select-model")


def result(scenario, policy, attainment, half, ratio):
    return {"scenario": scenario, "policy": policy,
            "slo_attainment": {"mean": attainment, "ci95_low": attainment - half, "ci95_high": attainment + half},
            "cost_ratio": {"mean": ratio, "ci95_low": ratio, "ci95_high": ratio}}


class SelectModelTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="select-model-")

    def write(self, name, results, split="train"):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            json.dump({"split": split, "results": results}, f)
        return path

    def run_script(self, candidates, *paths, options=()):
        return subprocess.run([sys.executable, SCRIPT, *options, "--candidates", candidates, *paths],
                              capture_output=True, text=True)

    def pick(self, candidates, *paths, options=()):
        p = self.run_script(candidates, *paths, options=options)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.strip().splitlines()[-1].removeprefix("pick: ")

    def test_fewest_below_the_floor_wins_over_cost(self):
        path = self.write("a.json", [
            result("s1", "cheap", 0.985, 0.001, 1.0), result("s2", "cheap", 0.999, 0.001, 1.0),
            result("s1", "safe", 0.995, 0.001, 1.5), result("s2", "safe", 0.999, 0.001, 1.5)])
        self.assertEqual(self.pick("cheap;safe", path), "safe")

    def test_a_difference_inside_both_intervals_is_a_tie_decided_by_cost(self):
        path = self.write("a.json", [
            result("s1", "x", 0.9950, 0.0010, 1.30), result("s2", "x", 0.9990, 0.0001, 1.30),
            result("s1", "y", 0.9945, 0.0010, 1.20), result("s2", "y", 0.9990, 0.0001, 1.20)])
        self.assertEqual(self.pick("x;y", path), "y")

    def test_a_difference_outside_one_interval_goes_by_attainment(self):
        path = self.write("a.json", [
            result("s1", "x", 0.9950, 0.0010, 1.30), result("s2", "x", 0.9990, 0.0001, 1.30),
            result("s1", "y", 0.9945, 0.0002, 1.20), result("s2", "y", 0.9990, 0.0001, 1.20)])
        self.assertEqual(self.pick("x;y", path), "x")

    def test_a_margin_ties_lowest_attainments_that_close(self):
        path = self.write("a.json", [
            result("s1", "safe", 0.9995, 0.0001, 1.30), result("s1", "cheap", 0.9960, 0.0001, 1.20),
            result("s1", "cheaper", 0.9940, 0.0001, 1.10)])
        self.assertEqual(self.pick("safe;cheap;cheaper", path), "safe")
        self.assertEqual(self.pick("safe;cheap;cheaper", path, options=("--margin", "0.005")), "cheap")

    def test_scorecards_are_merged(self):
        a = self.write("a.json", [result("s1", "x", 0.995, 0.0001, 1.3)])
        b = self.write("b.json", [result("s1", "y", 0.995, 0.0001, 1.2)])
        self.assertEqual(self.pick("x;y", a, b), "y")

    def test_evaluation_scorecards_are_refused(self):
        path = self.write("e.json", [result("s1", "x", 0.995, 0.0001, 1.3)], split="eval")
        p = self.run_script("x", path)
        self.assertEqual(p.returncode, 2)
        self.assertIn("split is 'eval'", p.stderr)

    def test_unknown_candidate_and_different_scenarios_are_refused(self):
        path = self.write("a.json", [result("s1", "x", 0.995, 0.0001, 1.3), result("s2", "y", 0.995, 0.0001, 1.3)])
        p = self.run_script("x;z", path)
        self.assertEqual(p.returncode, 2)
        self.assertIn("'z': no result", p.stderr)
        p = self.run_script("x;y", path)
        self.assertEqual(p.returncode, 2)
        self.assertIn("different scenarios", p.stderr)


if __name__ == "__main__":
    unittest.main()
