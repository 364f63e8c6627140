"""Reflect is the participants' form after a session (Voila, on a phone, in their language) and the append-only store where their reflections land, each acknowledged only once it is on disk.
It hands the debrief the stored reflections.
"""
