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


_install()
