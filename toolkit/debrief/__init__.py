"""Debrief summarises a session's reflections for facilitators: change in confidence, ratings, commitments and themes, every figure under the privacy rule, as notebook, Voila dashboard and report.
It hands the next cycle's needs assessment the participants' "now" ratings as responses.
"""
