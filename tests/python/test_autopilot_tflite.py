"""Tests of python/autopilot_tflite.py, the portable MC profile's helper, against the C++ tool.

Run: AUTOPILOT_BINARY=build/apps/autopilot/autopilot /usr/bin/python3 -m unittest \
         discover -s tests/python -p 'test_*.py'
AUTOPILOT_SOURCE_DIR defaults to the checkout this file is in. Tests that need the binary are
skipped when AUTOPILOT_BINARY is not set.
"""
import csv
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

import numpy as np

SOURCE_DIR = os.environ.get("AUTOPILOT_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("AUTOPILOT_BINARY", "")
sys.path.insert(0, os.path.join(SOURCE_DIR, "python"))

import autopilot_tflite as at  # noqa: E402

FRUIT_CSV = os.path.join(SOURCE_DIR, "examples", "fruit", "data", "fruit.csv")
FEATURES = ["r_ratio", "g_ratio", "b_ratio"]
DTYPE_NAMES = {"int8": "INT8", "uint8": "UINT8", "float32": "FLOAT32"}


def run_tool(*args, check=True):
    p = subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=600)
    if check and p.returncode != 0:
        raise AssertionError(f"autopilot {' '.join(args)} exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
    return p


def fruit_split(directory):
    """train.csv / test.csv of colour ratios from the example data (every 5th row is test)."""
    rows = []
    with open(FRUIT_CSV, newline="") as f:
        for r in csv.DictReader(f):
            s = float(r["red"]) + float(r["green"]) + float(r["blue"])
            if s <= 0:
                continue
            rows.append([float(r["red"]) / s, float(r["green"]) / s, float(r["blue"]) / s, r["label"]])
    paths = {}
    for name, part in (("train", [r for i, r in enumerate(rows) if i % 5]),
                       ("test", [r for i, r in enumerate(rows) if i % 5 == 0])):
        paths[name] = os.path.join(directory, name + ".csv")
        with open(paths[name], "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(FEATURES + ["label"])
            for r in part:
                w.writerow([f"{v:.8f}" for v in r[:3]] + [r[3]])
        paths[name + "_x"] = np.array([r[:3] for r in part], dtype=np.float32)
        paths[name + "_y"] = [r[3] for r in part]
    paths["test_inputs"] = os.path.join(directory, "test_inputs.csv")
    np.savetxt(paths["test_inputs"], paths["test_x"], delimiter=",", fmt="%.8f")
    return paths


def tool_outputs(model_path, inputs_csv):
    out = run_tool("model", "run", model_path, "--inputs", inputs_csv, "--dequantize").stdout
    return np.array([[float(v) for v in line.split(",")] for line in out.strip().splitlines()])


class QParamsMaths(unittest.TestCase):
    """Hand-computed values of the quantization helpers."""

    def test_choose_qparams_int8(self):
        q = at.choose_qparams(0.0, 1.0)
        self.assertAlmostEqual(q.scale, 1 / 255, delta=1e-6 * (1 / 255))
        self.assertEqual(q.zero_point, -128)
        q = at.choose_qparams(-1.0, 1.0)  # -128 + 127.5 rounds half away from zero
        self.assertAlmostEqual(q.scale, 2 / 255, delta=1e-6 * (2 / 255))
        self.assertEqual(q.zero_point, -1)
        q = at.choose_qparams(2.0, 5.0)  # widened to include zero
        self.assertAlmostEqual(q.scale, 5 / 255, delta=1e-6 * (5 / 255))
        self.assertEqual(q.zero_point, -128)
        q = at.choose_qparams(-3.0, -1.0)
        self.assertAlmostEqual(q.scale, 3 / 255, delta=1e-6 * (3 / 255))
        self.assertEqual(q.zero_point, 127)

    def test_choose_qparams_uint8(self):
        q = at.choose_qparams(0.0, 2.55, "uint8")
        self.assertAlmostEqual(q.scale, 0.01, delta=1e-6 * (0.01))
        self.assertEqual(q.zero_point, 0)

    def test_choose_qparams_rejects_bad_input(self):
        with self.assertRaisesRegex(ValueError, "not finite"):
            at.choose_qparams(float("nan"), 1.0)
        with self.assertRaisesRegex(ValueError, "greater than max"):
            at.choose_qparams(2.0, 1.0)
        with self.assertRaisesRegex(ValueError, "dtype"):
            at.choose_qparams(0.0, 1.0, "int16")

    def test_quantize_per_channel(self):
        q, scales = at.quantize_per_channel([[1.0, -0.25], [0.0, 0.0], [-2.0, 0.5]])
        np.testing.assert_allclose(scales, [1 / 127, 1.0, 2 / 127], rtol=1e-6)
        self.assertEqual(q.dtype, np.int8)
        np.testing.assert_array_equal(q, [[127, -32], [0, 0], [-127, 32]])
        with self.assertRaisesRegex(ValueError, "2-D"):
            at.quantize_per_channel([1.0, 2.0])

    def test_quantize_bias(self):
        b = at.quantize_bias([0.5, -0.25], 0.5, [0.25, 0.125])
        self.assertEqual(b.dtype, np.int32)
        np.testing.assert_array_equal(b, [4, -4])
        with self.assertRaisesRegex(ValueError, "weight scales"):
            at.quantize_bias([1.0], 0.5, [0.1, 0.2])

    def test_quantize_dequantize(self):
        q = at.QParams(1 / 255, -128)
        np.testing.assert_array_equal(at.quantize([0.0, 1.0, 2.0, -1.0], q), [-128, 127, 127, -128])
        np.testing.assert_allclose(at.dequantize([-128, 127], q), [0.0, 1.0], atol=1e-7)
        u = at.quantize([0.5], at.QParams(0.01, 0), "uint8")
        self.assertEqual(u.dtype, np.uint8)
        self.assertEqual(int(u[0]), 50)


class Errors(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="ap-pytflite-")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def test_not_a_tflite_file(self):
        path = os.path.join(self.dir, "junk.tflite")
        with open(path, "wb") as f:
            f.write(b"definitely not a model")
        with self.assertRaisesRegex(ValueError, "not a valid TFLite model"):
            at.load_float_model(path)
        # A missing file is the script's wrong path (runtime.file_not_found), not a bad model.
        with self.assertRaises(FileNotFoundError):
            at.load_float_model(os.path.join(self.dir, "missing.tflite"))

    def test_non_mlp_model_is_rejected(self):
        # A float model holding one RESHAPE, written with the module's own serializer.
        tensors = [{"name": "input", "shape": [1, 3], "type": 0, "q": None, "buffer": 0, "dim": 0},
                   {"name": "output", "shape": [3], "type": 0, "q": None, "buffer": 0, "dim": 0}]
        data = at._serialize(tensors, [b""], [(22, 1, [0], [1], None)], 0, 1, [])
        path = os.path.join(self.dir, "reshape.tflite")
        with open(path, "wb") as f:
            f.write(data)
        with self.assertRaisesRegex(ValueError, "operator RESHAPE is not supported"):
            at.load_float_model(path)

    def test_write_quantized_model_checks_its_records(self):
        layer = at.QuantizedDense(np.zeros((2, 3), np.float32), np.ones(2, np.float32),
                                  np.zeros(2, np.int32), "relu", at.QParams(0.1, -128))
        with self.assertRaisesRegex(ValueError, "int8 array"):
            at.write_quantized_model(os.path.join(self.dir, "m.tflite"), [layer], at.QParams(0.1, -128))
        layer.weights = np.zeros((2, 3), np.int8)
        layer.bias = np.zeros(2, np.float32)
        with self.assertRaisesRegex(ValueError, "int32"):
            at.write_quantized_model(os.path.join(self.dir, "m.tflite"), [layer], at.QParams(0.1, -128))
        layer.bias = np.zeros(2, np.int32)
        with self.assertRaisesRegex(ValueError, "input_dtype"):
            at.write_quantized_model(os.path.join(self.dir, "m.tflite"), [layer], at.QParams(0.1, -128),
                                     input_dtype="int16")
        self.assertFalse(os.path.exists(os.path.join(self.dir, "m.tflite")))


@unittest.skipUnless(BINARY, "set AUTOPILOT_BINARY to the built autopilot")
class RoundTripWithTheTool(unittest.TestCase):
    """Float model from `autopilot model train` → this module → the C++ reader and interpreter."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="ap-pytflite-")
        cls.split = fruit_split(cls.dir)
        cls.float_path = os.path.join(cls.dir, "float.tflite")
        run_tool("model", "train", cls.split["train"], "--features", ",".join(FEATURES), "-o", cls.float_path)
        cls.model = at.load_float_model(cls.float_path)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def test_load_float_model(self):
        m = self.model
        self.assertEqual([l.weights.shape for l in m.layers], [(8, 3), (5, 8), (3, 5)])
        self.assertEqual([l.activation for l in m.layers], ["relu", "relu", "none"])
        self.assertTrue(m.softmax)
        self.assertEqual(m.input_shape, (1, 3))
        self.assertEqual(m.output_shape, (1, 3))
        self.assertIn("autopilot.features", m.metadata)
        with self.assertRaisesRegex(ValueError, "4 columns"):
            m.predict(np.zeros((2, 4)))

    def test_representative_forms(self):
        x = self.split["train_x"]
        a, b = os.path.join(self.dir, "rep_array.tflite"), os.path.join(self.dir, "rep_gen.tflite")
        at.write_int8_model(a, self.model, x)

        def tf_style():  # what a TensorFlow habit produces: a function yielding [row[None, :]]
            for row in x:
                yield [row[None, :]]
        at.write_int8_model(b, self.model, tf_style)
        with open(a, "rb") as fa, open(b, "rb") as fb:
            self.assertEqual(fa.read(), fb.read())
        with_label = np.hstack([x, np.zeros((len(x), 1), np.float32)])
        with self.assertRaisesRegex(ValueError, "no label column"):
            at.write_int8_model(a, self.model, with_label)
        with self.assertRaisesRegex(ValueError, "no rows"):
            at.write_int8_model(a, self.model, np.zeros((0, 3), np.float32))

    def test_float_predict_matches_the_reference_interpreter(self):
        ours = self.model.predict(self.split["test_x"])
        theirs = tool_outputs(self.float_path, self.split["test_inputs"])
        np.testing.assert_allclose(ours, theirs, atol=1e-5)

    def test_written_models_load_in_the_tool_with_the_asked_io(self):
        for io in ("int8", "uint8", "float32"):
            with self.subTest(io=io):
                path = os.path.join(self.dir, f"ours_{io}.tflite")
                at.write_int8_model(path, self.model, self.split["train_x"], input_dtype=io, output_dtype=io)
                doc = json.loads(run_tool("model", "inspect", "--json", path).stdout)
                self.assertTrue(doc["valid"])
                self.assertEqual(doc["file_identifier"], "TFL3")
                self.assertEqual(doc["schema_version"], 3)
                self.assertEqual(doc["buffers"][0]["bytes"], 0)
                sg = doc["subgraphs"][0]
                for edge in (sg["inputs"][0], sg["outputs"][0]):
                    self.assertEqual(edge["dtype"], DTYPE_NAMES[io])
                    self.assertEqual(edge["quantization"] is None, io == "float32")
                out_q = sg["outputs"][0]["quantization"]
                if io != "float32":
                    self.assertAlmostEqual(out_q["scale"][0], 1 / 256)
                    self.assertEqual(out_q["zero_point"][0], -128 if io == "int8" else 0)

    def test_agrees_with_the_cpp_quantizer_on_the_test_split(self):
        for io, cpp_io in (("int8", "int8"), ("uint8", "uint8"), ("float32", "float")):
            with self.subTest(io=io):
                ours = os.path.join(self.dir, f"agree_ours_{io}.tflite")
                cpp = os.path.join(self.dir, f"agree_cpp_{io}.tflite")
                qm = at.write_int8_model(ours, self.model, self.split["train_x"], io, io)
                run_tool("model", "quantize", self.float_path, "--representative", self.split["train"],
                         "--io", cpp_io, "-o", cpp)
                a = tool_outputs(ours, self.split["test_inputs"])
                b = tool_outputs(cpp, self.split["test_inputs"])
                same = np.mean(a.argmax(axis=1) == b.argmax(axis=1))
                self.assertGreaterEqual(same, 0.98)
                # The module's own integer simulation predicts what the interpreter computes.
                sim = np.mean(qm.predict(self.split["test_x"]).argmax(axis=1) == a.argmax(axis=1))
                self.assertGreaterEqual(sim, 0.98)

    def test_accuracy_within_tolerance_of_the_float_model(self):
        path = os.path.join(self.dir, "acc.tflite")
        at.write_int8_model(path, self.model, self.split["train_x"])
        acc = {}
        for name, model in (("float", self.float_path), ("int8", path)):
            doc = json.loads(run_tool("model", "eval", model, "--data", self.split["test"],
                                      "--features", ",".join(FEATURES), "--json").stdout)
            acc[name] = doc["accuracy"]
        self.assertGreaterEqual(acc["int8"] + 0.02, acc["float"], acc)


@unittest.skipUnless(BINARY, "set AUTOPILOT_BINARY to the built autopilot")
class ReferenceScriptValidates(unittest.TestCase):
    """examples/fruit/mc_portable.py passes `autopilot validate --stage mc`, for each I/O type."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="ap-pytflite-")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def variant(self, io):
        """A copy of the fruit project (and the script) asking for `io` at both edges."""
        with open(os.path.join(SOURCE_DIR, "examples", "fruit", "autopilot.yaml")) as f:
            project = f.read()
        with open(os.path.join(SOURCE_DIR, "examples", "fruit", "mc_portable.py")) as f:
            script = f.read()
        project = project.replace("raw_csv: data/fruit.csv", "raw_csv: " + FRUIT_CSV)
        project = project.replace("../../.autopilot/fruit/", os.path.join(self.dir, "state") + "/")
        for key in ("input_dtype", "output_dtype"):
            project = project.replace(f"{key}: int8", f"{key}: {io}")
            script = script.replace(f'{key}="int8"', f'{key}="{io}"')
        paths = os.path.join(self.dir, f"autopilot_{io}.yaml"), os.path.join(self.dir, f"mc_{io}.py")
        for path, text in zip(paths, (project, script)):
            with open(path, "w") as f:
                f.write(text)
        return paths

    def validate(self, project, script):
        p = run_tool("validate", "--stage", "mc", "--project", project, script, check=False)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("semantic: pass", p.stdout)

    def test_fruit_project_as_shipped(self):
        self.validate(os.path.join(SOURCE_DIR, "examples", "fruit", "autopilot.yaml"),
                      os.path.join(SOURCE_DIR, "examples", "fruit", "mc_portable.py"))

    def test_uint8_and_float32_io(self):
        for io in ("uint8", "float32"):
            with self.subTest(io=io):
                self.validate(*self.variant(io))


if __name__ == "__main__":
    unittest.main()
