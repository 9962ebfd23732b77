"""Values read once per request instead of at every use.

Between request_started and request_finished each value is computed at its
first use and remembered; outside requests (commands, tests calling code
directly) every use computes afresh. Only for values a request cannot change
after its first use, or whose changer forgets them (office.cache.new_generation).
"""

from contextvars import ContextVar

_remembered: ContextVar[dict | None] = ContextVar("per_request", default=None)


def start(**kwargs):
    _remembered.set({})


def end(**kwargs):
    _remembered.set(None)


def per_request(name: str, compute):
    remembered = _remembered.get()
    if remembered is None:
        return compute()
    if name not in remembered:
        remembered[name] = compute()
    return remembered[name]


def forget(name: str):
    if (remembered := _remembered.get()) is not None:
        remembered.pop(name, None)
