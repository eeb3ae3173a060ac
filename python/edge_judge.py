"""edge_judge: the tool's own checks for the edge stages (psg, tpusg).

Run by autopilot in the sandbox with /usr/bin/python3 (Debian's numpy and OpenCV) and the
virtual device's runtime modules on PYTHONPATH. Three subcommands, each printing one JSON object:

  static SCRIPT            imports of the generated script that the device cannot satisfy and
                           that no try/except guards: [{"module", "line", "known_package"}]
  shorten IN OUT N         the first N frames of IN, re-encoded (mp4v) with IN's size and rate
  judge --input V --output V --trace DIR --model M --threshold T [--device D]
                           the verdict on one run of a generated script: the output video
                           (exists, decodes, same frame count and size as the input), every
                           recorded Invoke input against the correctly preprocessed frame, and
                           the boxes drawn against the reference detections of the same model.
                           {"findings": [{"code", "message"}], "warnings": [...], "facts": {...}}

The reference is computed by this file with the same interpreter the script used, from the
same frames the script was given; a script passes only if its model input and its drawing match.
"""

import argparse
import ast
import importlib
import importlib.util
import json
import os
import sys

# Packages that exist (on PyPI or a device's OS) but are not on the virtual device (which has what
# python/edge/_autopilot_device.py lists): importing one unguarded is env.toolchain_missing; any
# other unknown module is a hallucination.
KNOWN_PACKAGES = {
    "tflite", "keras", "torch", "torchvision", "matplotlib", "scipy", "pycoral", "ai_edge_litert",
    "pandas", "sklearn", "skimage", "imutils", "picamera", "picamera2", "edgetpu", "onnxruntime",
    "tqdm", "yaml", "requests", "imageio", "moviepy", "ffmpeg", "av", "seaborn", "jax",
}
# Mean absolute difference (in uint8 levels) under which a recorded input is "the frame":
# covers another resize interpolation or a different but correct decoding path.
INPUT_TOLERANCE = 8.0
# A reference detection must be drawn only when its score clears the threshold by this margin;
# nearer ones may flip with a slightly different (still correct) preprocessing.
SCORE_MARGIN = 0.05
# Pixel change (any channel) that counts as drawn, and the share of a box's outline that must be.
DRAW_DELTA = 45
OUTLINE_COVERAGE = 0.5
DRAWN_SHARE = 0.8


def emit(obj):
    sys.stdout.write(json.dumps(obj))
    sys.stdout.write("\n")


# --- static -----------------------------------------------------------------------------------

def _catches_import_error(handler):
    if handler.type is None:
        return True
    names = []
    nodes = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    for n in nodes:
        if isinstance(n, ast.Name):
            names.append(n.id)
        elif isinstance(n, ast.Attribute):
            names.append(n.attr)
    return any(x in ("ImportError", "ModuleNotFoundError", "Exception", "BaseException") for x in names)


def _imports(tree):
    """(module, line, guarded) for every absolute import; guarded = inside a try whose handlers
    catch ImportError, in an except handler (a fallback), or inside a function (it may never
    run)."""
    found = []

    def walk(node, guarded):
        if isinstance(node, ast.Import):
            for a in node.names:
                found.append((a.name.split(".")[0], node.lineno, guarded))
            return
        if isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                found.append((node.module.split(".")[0], node.lineno, guarded))
            return
        if isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            g = guarded or any(_catches_import_error(h) for h in node.handlers)
            for child in node.body:
                walk(child, g)
            # A handler runs only when its try failed: an import there is a fallback (e.g.
            # `except ImportError: from tensorflow.lite import Interpreter`), checked by the run.
            for child in node.handlers:
                walk(child, True)
            for part in (node.orelse, node.finalbody):
                for child in part:
                    walk(child, guarded)
            return
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            guarded = True
        for child in ast.iter_child_nodes(node):
            walk(child, guarded)

    walk(tree, False)
    return found


def _available(name, script_dir="."):
    """Whether the board has the module: the standard library, the board's packages
    (python/edge/_autopilot_device.py) or a module file beside the script."""
    import _autopilot_device
    if _autopilot_device.installed(name):
        return True
    stem = os.path.join(script_dir, name)
    return os.path.isfile(stem + ".py") or os.path.isfile(os.path.join(stem, "__init__.py"))


def cmd_static(args):
    with open(args.script, encoding="utf-8", errors="replace") as f:
        src = f.read()
    try:
        tree = ast.parse(src)
    except SyntaxError as e:
        emit({"syntax": {"line": e.lineno, "message": "%s: %s" % (type(e).__name__, e.msg)}})
        return 0
    missing = []
    seen = set()
    for name, line, guarded in _imports(tree):
        if guarded or name in seen or _available(name, os.path.dirname(os.path.abspath(args.script))):
            continue
        seen.add(name)
        missing.append({"module": name, "line": line, "known_package": name in KNOWN_PACKAGES})
    emit({"missing": missing})
    return 0


# --- video helpers ----------------------------------------------------------------------------

def read_frames(path, limit=0):
    import cv2
    cap = cv2.VideoCapture(path)
    if not cap.isOpened():
        return None, 0.0
    fps = cap.get(cv2.CAP_PROP_FPS) or 0.0
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok or frame is None:
            break
        frames.append(frame)
        if limit and len(frames) >= limit:
            break
    cap.release()
    return frames, fps


def cmd_shorten(args):
    import cv2
    frames, fps = read_frames(args.input, args.frames)
    if not frames:
        emit({"error": "cannot decode any frame of the input video"})
        return 1
    h, w = frames[0].shape[:2]
    out = cv2.VideoWriter(args.output, cv2.VideoWriter_fourcc(*"mp4v"), fps if fps > 0 else 24.0, (w, h))
    if not out.isOpened():
        emit({"error": "cannot write " + args.output})
        return 1
    for f in frames:
        out.write(f)
    out.release()
    emit({"frames": len(frames), "width": w, "height": h, "fps": fps})
    return 0


# --- judge ------------------------------------------------------------------------------------

def _dtype_of(name):
    import numpy as np
    return {"uint8": np.uint8, "int8": np.int8, "float32": np.float32}.get(name)


class Reference:
    """The model as the tool runs it: input details and detections of correctly fed frames."""

    def __init__(self, model_path):
        from tflite_runtime.interpreter import Interpreter
        self.it = Interpreter(model_path=model_path)
        self.it.allocate_tensors()
        d = self.it.get_input_details()[0]
        self.index = d["index"]
        self.shape = [int(x) for x in d["shape"]]
        self.dtype = d["dtype"]
        self.height, self.width = self.shape[1], self.shape[2]
        self.outputs = self.it.get_output_details()

    def to_input(self, rgb_resized):
        """The model's input for an RGB frame already resized to the model's size."""
        import numpy as np
        if self.dtype == np.uint8:
            return rgb_resized.astype(np.uint8)
        if self.dtype == np.int8:
            return (rgb_resized.astype(np.int16) - 128).astype(np.int8)
        return (rgb_resized.astype(np.float32) - 127.5) / 127.5

    def preprocess(self, bgr, swap=True):
        import cv2
        img = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB) if swap else bgr
        return cv2.resize(img, (self.width, self.height))

    def detect(self, model_input, threshold):
        import numpy as np
        self.it.set_tensor(self.index, model_input[np.newaxis, ...])
        self.it.invoke()
        outs = [self.it.get_tensor(o["index"]) for o in self.outputs]
        if len(outs) < 4:
            return []
        # The classic TFLite_Detection_PostProcess order: boxes, classes, scores, count.
        boxes, classes, scores, count = outs[0][0], outs[1][0], outs[2][0], outs[3]
        n = int(np.asarray(count).reshape(-1)[0]) if np.asarray(count).size else len(scores)
        dets = []
        for i in range(min(n, len(scores))):
            if scores[i] >= threshold:
                y0, x0, y1, x1 = [float(v) for v in boxes[i]]
                dets.append({"class": int(classes[i]), "score": float(scores[i]),
                             "box": [max(0.0, y0), max(0.0, x0), min(1.0, y1), min(1.0, x1)]})
        return dets


def _units(ref):
    """How many input units one uint8 level is (to state tolerances in levels)."""
    import numpy as np
    return 1.0 if ref.dtype in (np.uint8, np.int8) else 1.0 / 127.5


def _read_trace(trace_dir):
    invokes, interpreters = [], []
    path = os.path.join(trace_dir, "invokes.jsonl")
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                if not isinstance(rec, dict):
                    continue
                if rec.get("event") == "interpreter":
                    interpreters.append(rec)
                elif "n" in rec:
                    invokes.append(rec)
    except OSError:
        pass
    return invokes, interpreters


def _mad(a, b):
    import numpy as np
    return float(np.mean(np.abs(a.astype(np.float32) - b.astype(np.float32))))


def check_inputs(ref, frames, invokes, trace_dir, findings, facts):
    """Each recorded Invoke input against the frame it should be, preprocessed correctly."""
    import numpy as np
    units = _units(ref)
    expected = [ref.to_input(ref.preprocess(f)) for f in frames]
    swapped = [ref.to_input(ref.preprocess(f, swap=False)) for f in frames]
    checked = ok = bgr = 0
    first_bad = None
    cursor = 0
    for rec in invokes:
        n = int(rec.get("n", 0))
        path = os.path.join(trace_dir, "input_%04d.bin" % n)
        try:
            raw = open(path, "rb").read()
        except OSError:
            continue
        data = np.frombuffer(raw, dtype=ref.dtype)
        if data.size != ref.height * ref.width * 3:
            continue  # another model's input (the script made a second interpreter)
        got = data.reshape(ref.height, ref.width, 3)
        checked += 1
        # The frame it should be is the next one; a script that skips frames matches a later one.
        order = list(range(cursor, len(frames))) + list(range(0, cursor))
        best_j, best = None, None
        for j in order:
            d = _mad(got, expected[j]) / units
            if best is None or d < best:
                best_j, best = j, d
            if d <= INPUT_TOLERANCE:
                break
        if best is not None and best <= INPUT_TOLERANCE:
            ok += 1
            cursor = best_j + 1 if best_j + 1 < len(frames) else best_j
            continue
        sw = min((_mad(got, s) / units for s in swapped), default=None)
        if sw is not None and sw <= INPUT_TOLERANCE:
            bgr += 1
            if first_bad is None:
                first_bad = ("Invoke %d was fed the frame in BGR order (OpenCV's); the model expects RGB: "
                             "convert with cv2.cvtColor(frame, cv2.COLOR_BGR2RGB) before resizing" % n)
            continue
        if first_bad is None:
            stats = "min %s max %s mean %.1f" % (got.min(), got.max(), float(got.astype(np.float32).mean()))
            first_bad = ("Invoke %d: its input matches no frame converted to RGB and resized to %dx%d "
                         "(closest is frame %d, mean difference %.1f levels; input %s)"
                         % (n, ref.width, ref.height, (best_j or 0) + 1, best or 0.0, stats))
    facts["inputs_checked"] = checked
    facts["inputs_ok"] = ok
    facts["inputs_bgr"] = bgr
    if checked and ok < checked:
        findings.append({"code": "semantic.wrong_input",
                         "message": "%d of %d recorded model inputs are not the preprocessed frame. %s"
                                    % (checked - ok, checked, first_bad)})
    return expected


def _outline_points(box, w, h, count=48):
    y0, x0, y1, x1 = box
    xa, xb = int(round(x0 * w)), int(round(x1 * w))
    ya, yb = int(round(y0 * h)), int(round(y1 * h))
    pts = []
    per = max(2, count // 4)
    for k in range(per):
        t = k / float(per - 1)
        x = int(round(xa + t * (xb - xa)))
        y = int(round(ya + t * (yb - ya)))
        pts += [(x, ya), (x, yb), (xa, y), (xb, y)]
    return [(min(max(x, 0), w - 1), min(max(y, 0), h - 1)) for x, y in pts]


def check_boxes(ref, frames, out_frames, expected, threshold, labels, findings, facts):
    """Boxes drawn in the output video where the reference detects objects."""
    import cv2
    import numpy as np
    must = drawn = 0
    first_missing = None
    kernel = np.ones((9, 9), np.uint8)
    per_frame = []
    for i, (f, o) in enumerate(zip(frames, out_frames)):
        dets = ref.detect(expected[i], threshold)
        per_frame.append(len(dets))
        strong = [d for d in dets if d["score"] >= threshold + SCORE_MARGIN]
        if not strong:
            continue
        diff = cv2.absdiff(f, o).max(axis=2)
        mask = cv2.dilate((diff > DRAW_DELTA).astype(np.uint8), kernel)
        h, w = mask.shape
        for d in strong:
            pts = _outline_points(d["box"], w, h)
            cover = sum(1 for x, y in pts if mask[y, x]) / float(len(pts))
            must += 1
            if cover >= OUTLINE_COVERAGE:
                drawn += 1
            elif first_missing is None:
                name = labels[d["class"]] if 0 <= d["class"] < len(labels) else "class %d" % d["class"]
                y0, x0, y1, x1 = d["box"]
                first_missing = ("frame %d: %s %.2f at (%d, %d)-(%d, %d) px is not drawn (%.0f%% of its "
                                 "outline changed)" % (i + 1, name, d["score"], x0 * w, y0 * h, x1 * w, y1 * h,
                                                       100 * cover))
    facts["reference_detections"] = per_frame
    facts["boxes_expected"] = must
    facts["boxes_drawn"] = drawn
    if must and drawn < DRAWN_SHARE * must:
        findings.append({"code": "semantic.wrong_output",
                         "message": "%d of %d detections of the model are drawn in the output video. %s. "
                                    "Boxes are (ymin, xmin, ymax, xmax) normalized to 0..1: scale x by the frame "
                                    "width and y by its height" % (drawn, must, first_missing)})


def cmd_judge(args):
    findings, warnings, facts = [], [], {}
    frames, _ = read_frames(args.input, args.max_frames)
    if not frames:
        emit({"findings": [{"code": "harness.bug", "message": "the tool cannot decode its own input video"}]})
        return 0
    h, w = frames[0].shape[:2]
    facts["input"] = {"frames": len(frames), "width": w, "height": h}
    labels = []
    if args.labels:
        try:
            with open(args.labels, encoding="utf-8", errors="replace") as f:
                labels = [l.strip() for l in f if l.strip()]
        except OSError:
            pass
    invokes, interpreters = _read_trace(args.trace)
    facts["invokes"] = len(invokes)
    facts["interpreters"] = len(interpreters)
    delegated = any(r.get("delegate") for r in invokes)
    facts["delegate_used"] = delegated
    try:
        ref = Reference(args.model)
    except Exception as e:  # the tool's own model must load; if not, the harness is at fault
        emit({"findings": [{"code": "harness.bug", "message": "reference model: %s" % e}]})
        return 0
    if not invokes:
        findings.append({"code": "semantic.no_inference",
                         "message": "the script never invoked the model (no Interpreter.invoke() call ran)"})
    elif args.device == "coral_dev_board" and not delegated:
        findings.append({"code": "runtime.api_misuse",
                         "message": "the model ran on the CPU: no interpreter was created with the Edge TPU "
                                    "delegate (load_delegate('libedgetpu.so.1') in experimental_delegates)"})
    expected = None
    if invokes:
        expected = check_inputs(ref, frames, invokes, args.trace, findings, facts)
    if not os.path.exists(args.output):
        findings.append({"code": "semantic.artifact_missing",
                         "message": "the output video %s was not written" % args.output_name})
    elif os.path.getsize(args.output) == 0:
        findings.append({"code": "semantic.artifact_invalid",
                         "message": "the output video %s is empty (0 bytes): was the VideoWriter opened "
                                    "with a codec and the frame size, and released?" % args.output_name})
    else:
        out_frames, _ = read_frames(args.output, len(frames) + 1)
        if not out_frames:
            findings.append({"code": "semantic.artifact_invalid",
                             "message": "the output video %s does not decode (no frame)" % args.output_name})
        else:
            oh, ow = out_frames[0].shape[:2]
            facts["output"] = {"frames": len(out_frames), "width": ow, "height": oh}
            if (ow, oh) != (w, h):
                findings.append({"code": "semantic.artifact_invalid",
                                 "message": "the output video is %dx%d, the input %dx%d: write frames at the input's "
                                            "size" % (ow, oh, w, h)})
            elif len(out_frames) != len(frames):
                findings.append({"code": "semantic.artifact_invalid",
                                 "message": "the output video has %d frame(s), the input %d: write one annotated "
                                            "frame per input frame" % (len(out_frames), len(frames))})
            elif expected is not None:
                check_boxes(ref, frames, out_frames, expected, args.threshold, labels, findings, facts)
    emit({"findings": findings, "warnings": warnings, "facts": facts})
    return 0


def main(argv):
    p = argparse.ArgumentParser(prog="edge_judge")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("static")
    s.add_argument("script")
    s = sub.add_parser("shorten")
    s.add_argument("input")
    s.add_argument("output")
    s.add_argument("frames", type=int)
    s = sub.add_parser("judge")
    s.add_argument("--input", required=True)
    s.add_argument("--output", required=True)
    s.add_argument("--output-name", default="output video")
    s.add_argument("--trace", required=True)
    s.add_argument("--model", required=True)
    s.add_argument("--labels", default="")
    s.add_argument("--threshold", type=float, default=0.5)
    s.add_argument("--device", default="raspberry_pi_4b")
    s.add_argument("--max-frames", type=int, default=300)
    args = p.parse_args(argv)
    return {"static": cmd_static, "shorten": cmd_shorten, "judge": cmd_judge}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
