"""Makes the host's Python look like the board's: third-party packages the board does not have
(the host may have pandas, scipy, … for other stages) cannot be imported, with the error a board
gives. Active only in the virtual device's sandbox (AUTOPILOT_EDGE_DEVICE set)."""
import os
import sys


def _install():
  if not os.environ.get('AUTOPILOT_EDGE_DEVICE'):
    return
  import importlib.abc
  import _autopilot_device as dev

  cwd = os.path.realpath(os.getcwd())

  class _BoardFinder(importlib.abc.MetaPathFinder):
    """Refuses top-level modules the board lacks; a module next to the script is the script's."""

    def find_spec(self, fullname, path=None, target=None):
      if path is not None or '.' in fullname or dev.installed(fullname):
        return None
      for base in (cwd, ''):
        stem = os.path.join(base or cwd, fullname)
        if os.path.isfile(stem + '.py') or os.path.isfile(os.path.join(stem, '__init__.py')):
          return None
      raise ModuleNotFoundError("No module named '%s'" % fullname, name=fullname)

  sys.meta_path.insert(0, _BoardFinder())
  if dev.device() == dev.CORAL:
    sys.meta_path.insert(0, _CoralOpenCvFinder())


class _CoralOpenCvFinder:
  """The Coral's OpenCV is Mendel's 3.2 (Debian buster): its Python bindings parse a Size with
  PyArg_ParseTuple, so `cv2.resize(img, dsize)` with a list or a numpy array as dsize raises
  SystemError (corpus: 6 Coral scripts failed so; Debian 12's OpenCV 4.6 accepts them)."""

  def find_spec(self, fullname, path=None, target=None):
    if fullname != 'cv2':
      return None
    import importlib.machinery
    spec = importlib.machinery.PathFinder.find_spec(fullname, path)
    if spec is None or spec.loader is None:
      return None
    real_exec = spec.loader.exec_module

    def exec_module(module):
      real_exec(module)
      _strict_sizes(module)

    spec.loader.exec_module = exec_module
    return spec


def _strict_sizes(cv2):
  resize = cv2.resize

  def strict_resize(src, dsize, *args, **kwargs):
    if dsize is not None and not isinstance(dsize, tuple):
      raise SystemError('new style getargs format but argument is not a tuple')
    return resize(src, dsize, *args, **kwargs)

  strict_resize.__doc__ = resize.__doc__
  cv2.resize = strict_resize


_install()
