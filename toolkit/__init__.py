"""Cultural competency training toolkit, one subpackage per step of the loop over a shared
ground: ``core`` ← ``intake`` → ``assess`` → ``plan`` → ``reflect`` → ``debrief``; ``cli`` on top.

A step imports ``core`` and the steps before it, never one after it; ``lint-imports`` checks
the contract in ``pyproject.toml`` (run by ``make test``).
"""
