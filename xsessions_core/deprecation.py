"""Names kept for one release after a rename, with a :class:`DeprecationWarning`: module attributes
(:func:`module_aliases`, a module ``__getattr__``) and keyword arguments (:func:`deprecated_keywords`)."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

__all__ = ["deprecated_keywords", "module_aliases"]

_F = TypeVar("_F", bound=Callable[..., Any])


def module_aliases(module: str, aliases: Mapping[str, tuple[str, object]]) -> Callable[[str], object]:
    """A module ``__getattr__`` serving ``aliases`` (old name -> (advice, value)): reading an old name
    warns ``"<module>.<name> is deprecated; <advice>"`` and gives the value; any other name raises
    :class:`AttributeError` as a module does."""
    def __getattr__(name: str) -> object:
        try:
            advice, value = aliases[name]
        except KeyError:
            raise AttributeError(f"module {module!r} has no attribute {name!r}") from None
        warnings.warn(f"{module}.{name} is deprecated; {advice}", DeprecationWarning, stacklevel=2)
        return value

    return __getattr__


def deprecated_keywords(**renames: str) -> Callable[[_F], _F]:
    """Accept the old keyword names ``renames`` (old -> new) with a :class:`DeprecationWarning`, for one
    release. When both are passed (``dataclasses.replace(obj, old=...)`` passes every field under its new
    name too), the old one wins."""
    def decorate(function: _F) -> _F:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in renames.items():
                if old in kwargs:
                    warnings.warn(f"{old}= is deprecated; use {new}=", DeprecationWarning, stacklevel=2)
                    kwargs[new] = kwargs.pop(old)
            return function(*args, **kwargs)
        return cast(_F, wrapper)
    return decorate
