"""Keep hgq2's QKeras compatibility layer from changing HGQ models.

hgq2 0.2.0's ``qkeras.qlayers`` does not subclass: on import it replaces ``__init__`` of hgq's own
layer classes in place, forcing ``enable_ebops=False`` and no input quantizer. From then on every HGQ
student built in the process silently loses its EBOPs regularisation (measured: 0 EBOPs instead of
359,051 for the same model). Here hgq's own constructors stay installed by default and the QKeras
ones are switched in only while a QKeras-style model is built or loaded.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator

_WRAPPER = "qkeras_layer_wrap"


def _unwrapped(init):
    """The hgq constructor under any number of qkeras wrappers (found in the wrapper's closure)."""
    while init is not None and getattr(init, "__qualname__", "").startswith(_WRAPPER):
        cells = dict(zip(init.__code__.co_freevars, init.__closure__))
        init = cells["original_init"].cell_contents
    return init


@functools.cache
def _constructors() -> tuple[dict, dict]:
    """({class: hgq __init__}, {class: qkeras-compat __init__}); leaves hgq's installed."""
    from hgq import layers

    classes = [obj for obj in vars(layers).values() if isinstance(obj, type) and issubclass(obj, layers.QLayerBase)]
    import qkeras.qlayers  # noqa: F401  (patches the classes above, in place)

    patched = {cls: cls.__dict__.get("__init__") for cls in classes}
    original = {cls: _unwrapped(init) for cls, init in patched.items()}
    _install(original)
    return original, patched


def _install(inits: dict) -> None:
    for cls, init in inits.items():
        if init is None:
            if "__init__" in cls.__dict__:
                delattr(cls, "__init__")
        else:
            cls.__init__ = init


def ensure_hgq_constructors() -> None:
    """Make sure hgq's layers have their own constructors (call before building an HGQ model)."""
    original, _ = _constructors()
    _install(original)


@contextlib.contextmanager
def qkeras_constructors() -> Iterator[None]:
    """Within the block, hgq2's ``qkeras`` layers behave as QKeras-style layers; hgq's are restored after."""
    original, patched = _constructors()
    _install(patched)
    try:
        yield
    finally:
        _install(original)

